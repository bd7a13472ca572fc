"""The enrolment state machine and its money, through the services, on PostgreSQL."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from core.errors import DomainError, Forbidden
from courses.models import Cohort
from enrolments.errors import AttendanceMissing, InvalidTransition, StartNotConfirmed
from enrolments.models import Enrolment, MilestonePayment, Refund
from enrolments.services import (
    attendance_record,
    cohort_cancel,
    enrolment_accept,
    enrolment_complete,
    enrolment_confirm_start,
    enrolment_record_outcome,
    enrolment_record_start,
    enrolment_withdraw,
    outcome_verify,
)
from enrolments.services.co_payments import enrolment_co_payment_paid
from providers.errors import ProviderNotActive
from providers.services import provider_set_status
from tests.enrolments.helpers import World, balance, held, make_world
from tests.factories import UserFactory
from users.models import User
from wallets.errors import InsufficientFunds
from wallets.models import WalletPot
from wallets.verification import ledger_verify

pytestmark = pytest.mark.django_db


def _pot_balance(learner: User) -> int:
    return sum(
        p.account.balance
        for p in WalletPot.objects.filter(wallet__learner=learner).select_related("account")
    )


def _started(world: World) -> Enrolment:
    enrolment = world.offered()
    enrolment = enrolment_accept(actor=enrolment.learner, enrolment=enrolment)
    world.run_cohort(days_ago=9)  # ten daily sessions, the last today
    enrolment = enrolment_record_start(actor=world.provider_staff.user, enrolment=enrolment)
    return enrolment_confirm_start(actor=enrolment.learner, enrolment=enrolment)


def _sessions(present: int, absent: int) -> list[tuple[dt.date, bool]]:
    day = timezone.localdate()
    return [(day - dt.timedelta(days=n), n < present) for n in range(present + absent)]


def test_full_happy_path_pays_exactly_the_milestone_percentages() -> None:
    world = make_world(price=400_000, allowance=400_000)
    staff = world.provider_staff.user
    enrolment = world.offered()
    learner = enrolment.learner

    enrolment = enrolment_accept(actor=learner, enrolment=enrolment)
    assert enrolment.status == "accepted"
    assert enrolment.wallet_part == 400_000
    assert held(enrolment) == 400_000
    assert _pot_balance(learner) == 0
    assert ledger_verify().ok

    world.run_cohort(days_ago=9)  # the cohort ran ten days; its last session is today
    enrolment = enrolment_record_start(actor=staff, enrolment=enrolment)
    assert balance(world.payable.pk) == 0  # the learner has not confirmed yet
    enrolment = enrolment_confirm_start(actor=learner, enrolment=enrolment)
    assert balance(world.payable.pk) == 180_000  # 45 %
    assert ledger_verify().ok

    enrolment = attendance_record(actor=staff, enrolment=enrolment, sessions=_sessions(9, 1))
    assert enrolment.attendance_percent == 90
    enrolment = enrolment_complete(actor=staff, enrolment=enrolment)
    assert balance(world.payable.pk) == 180_000 + 140_000  # + 35 %
    assert ledger_verify().ok

    enrolment = enrolment_record_outcome(
        actor=staff,
        enrolment=enrolment,
        outcome="employment",
        evidence="Junior analyst at Tees Logistics from 3 March",
        outcome_date=timezone.localdate(),
    )
    assert enrolment.outcome_verification == "pending"  # sampled (rate 1): waits for the funder
    assert balance(world.payable.pk) == 320_000
    enrolment = outcome_verify(actor=world.officer, enrolment=enrolment, verified=True)
    assert balance(world.payable.pk) == 400_000  # + 20 %
    assert held(enrolment) == 0
    assert list(enrolment.milestone_payments.order_by("pk").values_list("milestone", "amount")) == [
        ("start", 180_000),
        ("completion", 140_000),
        ("outcome", 80_000),
    ]
    assert ledger_verify().ok
    actions = list(enrolment.events.values_list("action", flat=True))
    assert actions[:4] == ["apply", "offer", "accept", "record_start"]
    assert "verify_outcome" in actions


def test_withdrawal_after_start_returns_exactly_the_rest() -> None:
    world = make_world(price=300_000, allowance=400_000)
    enrolment = _started(world)
    learner = enrolment.learner
    assert _pot_balance(learner) == 100_000
    assert balance(world.payable.pk) == 135_000  # 45 % of 300,000
    enrolment = enrolment_withdraw(actor=learner, enrolment=enrolment, reason="Moved for work")
    assert enrolment.status == "withdrawn"
    assert held(enrolment) == 0
    assert balance(world.payable.pk) == 135_000  # the paid milestone stays with the provider
    assert _pot_balance(learner) == 100_000 + 165_000
    world.cohort.refresh_from_db()
    assert world.cohort.seats_taken == 0
    assert ledger_verify().ok


def test_withdrawal_before_start_returns_everything_and_expired_money_goes_to_the_programme() -> (
    None
):
    world = make_world(price=300_000, allowance=400_000, funds_expiry_months=1)
    enrolment = world.offered()
    enrolment = enrolment_accept(actor=enrolment.learner, enrolment=enrolment)
    pot = WalletPot.objects.get(wallet__learner=enrolment.learner)
    budget_before = balance(world.programme.budget_account_id)
    assert pot.expires_at is not None
    with time_machine.travel(pot.expires_at + dt.timedelta(days=1), tick=False):
        enrolment_withdraw(actor=enrolment.learner, enrolment=enrolment)
    assert (
        balance(pot.account_id) == 100_000
    )  # untouched: the 300,000 did not go back to an expired pot
    assert balance(world.programme.budget_account_id) == budget_before + 300_000
    assert ledger_verify().ok


def test_attendance_rule_scales_the_completion_payment() -> None:
    for present, absent, expected in ((8, 2, 140_000), (5, 5, 70_000), (1, 9, 35_000)):
        world = make_world(price=400_000, allowance=400_000)
        enrolment = _started(world)
        enrolment = attendance_record(
            actor=world.provider_staff.user,
            enrolment=enrolment,
            sessions=_sessions(present, absent),
        )
        enrolment_complete(actor=world.provider_staff.user, enrolment=enrolment)
        paid = MilestonePayment.objects.get(enrolment=enrolment, milestone="completion").amount
        assert paid == expected, (present, absent)


def test_rejected_or_absent_outcomes_are_not_paid_and_the_rest_returns() -> None:
    world = make_world(price=400_000, allowance=400_000)
    staff = world.provider_staff.user
    enrolment = _started(world)
    enrolment = attendance_record(actor=staff, enrolment=enrolment, sessions=_sessions(10, 0))
    enrolment = enrolment_complete(actor=staff, enrolment=enrolment)
    enrolment = enrolment_record_outcome(
        actor=staff,
        enrolment=enrolment,
        outcome="promotion",
        evidence="Letter",
        outcome_date=timezone.localdate(),
    )
    with pytest.raises(Exception, match="Say why"):
        outcome_verify(actor=world.officer, enrolment=enrolment, verified=False, reason="")
    enrolment = outcome_verify(
        actor=world.officer,
        enrolment=enrolment,
        verified=False,
        reason="Employer denies the promotion",
    )
    assert balance(world.payable.pk) == 320_000
    assert _pot_balance(enrolment.learner) == 80_000
    with pytest.raises(InvalidTransition):
        outcome_verify(actor=world.officer, enrolment=enrolment, verified=True)

    world2 = make_world(price=400_000, allowance=400_000, sample_rate="0")
    enrolment = _started(world2)
    enrolment = attendance_record(
        actor=world2.provider_staff.user, enrolment=enrolment, sessions=_sessions(10, 0)
    )
    enrolment = enrolment_complete(actor=world2.provider_staff.user, enrolment=enrolment)
    enrolment = enrolment_record_outcome(
        actor=world2.provider_staff.user, enrolment=enrolment, outcome="none", evidence=""
    )
    assert balance(world2.payable.pk) == 320_000
    assert _pot_balance(enrolment.learner) == 80_000
    assert ledger_verify().ok


def test_unsampled_outcome_pays_on_record() -> None:
    world = make_world(sample_rate="0")
    staff = world.provider_staff.user
    enrolment = _started(world)
    enrolment = attendance_record(actor=staff, enrolment=enrolment, sessions=_sessions(10, 0))
    enrolment = enrolment_complete(actor=staff, enrolment=enrolment)
    enrolment = enrolment_record_outcome(
        actor=staff,
        enrolment=enrolment,
        outcome="further_learning",
        evidence="Level 5 place",
        outcome_date=timezone.localdate(),
    )
    assert enrolment.outcome_verification == "not_sampled"
    assert balance(world.payable.pk) == 400_000


def test_invalid_transitions_are_refused_and_change_nothing() -> None:
    world = make_world()
    staff = world.provider_staff.user
    enrolment = world.offered()
    learner = enrolment.learner
    with pytest.raises(InvalidTransition):
        enrolment_record_start(actor=staff, enrolment=enrolment)  # start before acceptance
    with pytest.raises(Forbidden):
        enrolment_accept(actor=UserFactory.create(), enrolment=enrolment)  # someone else's offer
    enrolment = enrolment_accept(actor=learner, enrolment=enrolment)
    with pytest.raises(InvalidTransition) as info:
        enrolment_accept(actor=learner, enrolment=enrolment)  # accept twice
    assert info.value.code == "invalid_transition"
    with pytest.raises(InvalidTransition):
        enrolment_record_outcome(
            actor=staff,
            enrolment=enrolment,
            outcome="employment",
            evidence="x",
            outcome_date=timezone.localdate(),
        )
    enrolment = enrolment_record_start(actor=staff, enrolment=enrolment)
    with pytest.raises(StartNotConfirmed):
        enrolment_complete(actor=staff, enrolment=enrolment)  # the learner never confirmed
    enrolment = enrolment_confirm_start(actor=learner, enrolment=enrolment)
    with pytest.raises(AttendanceMissing):
        enrolment_complete(actor=staff, enrolment=enrolment)
    enrolment.refresh_from_db()
    assert enrolment.status == "started"
    assert held(enrolment) == 400_000 - 180_000
    assert ledger_verify().ok


def test_a_lapsed_start_record_is_not_paid_until_recorded_again() -> None:
    world = make_world()
    enrolment = world.offered()
    enrolment = enrolment_accept(actor=enrolment.learner, enrolment=enrolment)
    recorded = timezone.now()
    with time_machine.travel(recorded, tick=False):
        enrolment = enrolment_record_start(actor=world.provider_staff.user, enrolment=enrolment)
    with time_machine.travel(recorded + dt.timedelta(days=15), tick=False):
        enrolment = enrolment_confirm_start(actor=enrolment.learner, enrolment=enrolment)
        assert balance(world.payable.pk) == 0
        enrolment = enrolment_record_start(actor=world.provider_staff.user, enrolment=enrolment)
    assert balance(world.payable.pk) == 180_000


def test_not_enough_wallet_funds_says_what_is_missing_and_changes_nothing() -> None:
    world = make_world(price=500_000, allowance=400_000)
    enrolment = world.offered()
    with pytest.raises(InsufficientFunds) as info:
        enrolment_accept(actor=enrolment.learner, enrolment=enrolment)
    assert info.value.extra["shortfall"] == 100_000
    assert "£1,000.00 is missing" in info.value.detail
    enrolment.refresh_from_db()
    assert enrolment.status == "offered"
    world.cohort.refresh_from_db()
    assert world.cohort.seats_taken == 0
    assert _pot_balance(enrolment.learner) == 400_000
    # Deferring the gap needs a signed repayment agreement (tests/payments): without one,
    # nothing is deferred and nothing changes.
    with pytest.raises(DomainError) as deferral:
        enrolment_accept(actor=enrolment.learner, enrolment=enrolment, deferred_part=100_000)
    assert deferral.value.code == "agreement_not_signed"
    enrolment.refresh_from_db()
    assert (enrolment.status, enrolment.deferred_part) == ("offered", 0)


def test_co_payment_follows_the_programme_rule() -> None:
    world = make_world(
        price=400_000,
        allowance=400_000,
        co_payment_kind="percent",
        co_payment_percent=Decimal("10"),
    )
    enrolment = world.offered()
    enrolment = enrolment_accept(actor=enrolment.learner, enrolment=enrolment)
    assert (enrolment.price, enrolment.wallet_part, enrolment.co_payment) == (
        400_000,
        360_000,
        40_000,
    )
    assert held(enrolment) == 360_000


def test_a_suspended_providers_offers_cannot_be_accepted() -> None:
    world = make_world()
    enrolment = world.offered()
    provider_set_status(
        actor=UserFactory.create(is_staff=True),
        provider=world.course.provider,
        status="suspended",
        reason="Investigation",
    )
    with pytest.raises(ProviderNotActive):
        enrolment_accept(actor=enrolment.learner, enrolment=enrolment)
    assert _pot_balance(enrolment.learner) == 400_000


def test_full_cohort_waitlists_and_a_freed_seat_is_offered_in_order() -> None:
    world = make_world(capacity=1)
    first, second, third = world.offered(), world.offered(), world.offered()
    first = enrolment_accept(actor=first.learner, enrolment=first)
    second = enrolment_accept(actor=second.learner, enrolment=second)
    third = enrolment_accept(actor=third.learner, enrolment=third)
    assert (first.status, second.status, third.status) == ("accepted", "waitlisted", "waitlisted")
    assert _pot_balance(second.learner) == 400_000  # nothing held for the waiting list
    enrolment_withdraw(actor=first.learner, enrolment=first)
    second.refresh_from_db()
    third.refresh_from_db()
    assert (second.status, third.status) == ("offered", "waitlisted")
    assert second.events.last().action == "offer_from_waitlist"  # type: ignore[union-attr]
    second = enrolment_accept(actor=second.learner, enrolment=second)
    assert second.status == "accepted"


def test_cancelling_a_cohort_returns_everything_including_milestones_and_co_payments() -> None:
    world = make_world(
        price=400_000, allowance=400_000, co_payment_kind="flat", co_payment_flat=20_000
    )
    started, accepted, applied = world.offered(), world.offered(), world.offered()
    started = enrolment_accept(actor=started.learner, enrolment=started)
    accepted = enrolment_accept(actor=accepted.learner, enrolment=accepted)
    # The co-payments wait for the card; Stripe's answer makes the places accepted.
    assert (started.status, accepted.status) == ("payment_pending", "payment_pending")
    for enrolment in (started, accepted):
        assert enrolment_co_payment_paid(enrolment_id=enrolment.pk, amount=20_000)
        enrolment.refresh_from_db()
    world.run_cohort(days_ago=9)
    started = enrolment_record_start(actor=world.provider_staff.user, enrolment=started)
    started = enrolment_confirm_start(actor=started.learner, enrolment=started)
    assert balance(world.payable.pk) > 0
    # The longest reason the API allows (500 characters) still fits the ledger memo.
    cohort_cancel(
        actor=world.provider_staff.user, cohort=world.cohort, reason="Tutor unavailable. " * 26
    )
    for enrolment in (started, accepted, applied):
        enrolment.refresh_from_db()
        assert enrolment.status == "cancelled"
        assert held(enrolment) == 0
        assert _pot_balance(enrolment.learner) == 400_000
    assert balance(world.payable.pk) == 0
    assert sorted(Refund.objects.values_list("amount", flat=True)) == [20_000, 20_000]
    world.cohort.refresh_from_db()
    assert world.cohort.status == Cohort.Status.CANCELLED
    assert ledger_verify().ok
