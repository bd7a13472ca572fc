"""Money edge cases: the offer fixes the price, thresholds compare exact fractions, a declined
offer frees its seat, outcome checks follow the enrolment's state, co-funders see their
enrolments."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from courses.services import course_update
from enrolments.errors import InvalidTransition
from enrolments.models import Enrolment
from enrolments.services import (
    attendance_record,
    cohort_cancel,
    enrolment_accept,
    enrolment_complete,
    enrolment_confirm_start,
    enrolment_decline,
    enrolment_record_outcome,
    enrolment_record_start,
    enrolment_withdraw,
    outcome_verify,
)
from tests.enrolments.helpers import World, held, make_world
from tests.factories import UserFactory, make_programme
from tests.helpers import client_for
from wallets.services import grant_create, programme_approve_provider
from wallets.verification import ledger_verify

pytestmark = pytest.mark.django_db


def test_the_offer_fixes_the_price_the_learner_sees_and_acceptance_charges() -> None:
    world = make_world(
        price=300_000,
        allowance=400_000,
        co_payment_kind="percent",
        co_payment_percent=Decimal("10"),
    )
    enrolment = world.offered()
    learner = client_for(enrolment.learner)
    seen = learner.get(f"/api/v1/enrolments/{enrolment.pk}").json()
    assert (seen["price"], seen["co_payment"], seen["wallet_part"]) == (300_000, 30_000, 270_000)

    # The provider raises the price after the offer: the outstanding offer does not move.
    course_update(actor=world.provider_staff.user, course=world.course, price=390_000)
    enrolment = enrolment_accept(actor=enrolment.learner, enrolment=enrolment)
    assert (enrolment.price, enrolment.co_payment, enrolment.wallet_part) == (
        300_000,
        30_000,
        270_000,
    )
    assert held(enrolment) == 270_000

    # A new offer after the change carries the new price.
    later = world.offered()
    assert later.price == 390_000
    assert ledger_verify().ok


def _days(n: int) -> list[dt.date]:
    today = timezone.localdate()
    return [today - dt.timedelta(days=d) for d in range(n)]


def _started(world: World, *, days: int = 10) -> Enrolment:
    enrolment = world.offered()
    enrolment = enrolment_accept(actor=enrolment.learner, enrolment=enrolment)
    world.run_cohort(days_ago=days - 1)  # daily sessions, the last today
    enrolment = enrolment_record_start(actor=world.provider_staff.user, enrolment=enrolment)
    return enrolment_confirm_start(actor=enrolment.learner, enrolment=enrolment)


@pytest.mark.parametrize(
    ("present", "planned", "expected"),
    [
        (159, 200, 140_000 * 159 // 200),  # 79.5 %: below 80 %, pro rata, never rounded up
        (160, 200, 140_000),  # exactly 80 %: full share
        (1, 3, 46_666),  # 33.3 %: pro rata, 140,000 ÷ 3 rounded down once
        (49, 200, 35_000),  # 24.5 %: below 25 %, a quarter
    ],
)
def test_attendance_thresholds_compare_exact_fractions(
    present: int, planned: int, expected: int
) -> None:
    world = make_world(price=400_000, allowance=400_000)
    staff = world.provider_staff.user
    enrolment = _started(world, days=planned)
    days = _days(planned)
    sessions = [(day, index < present) for index, day in enumerate(days)]
    enrolment = attendance_record(actor=staff, enrolment=enrolment, sessions=sessions)
    enrolment = enrolment_complete(actor=staff, enrolment=enrolment)
    paid = enrolment.milestone_payments.get(milestone="completion").amount
    assert paid == expected
    assert ledger_verify().ok


def test_a_declined_offer_frees_its_seat_for_the_waiting_list() -> None:
    world = make_world(capacity=2, price=100_000, allowance=100_000)
    first, second, third, fourth = (world.offered() for _ in range(4))
    for enrolment in (first, second, third, fourth):
        enrolment_accept(actor=enrolment.learner, enrolment=enrolment)
    statuses = dict(Enrolment.objects.filter(cohort=world.cohort).values_list("pk", "status"))
    assert [statuses[e.pk] for e in (first, second, third, fourth)] == [
        "accepted",
        "accepted",
        "waitlisted",
        "waitlisted",
    ]
    enrolment_withdraw(actor=first.learner, enrolment=first)
    third.refresh_from_db()
    assert third.status == "offered"  # the freed seat went to the first on the list

    enrolment_decline(actor=third.learner, enrolment=third, reason="Found a job")
    fourth.refresh_from_db()
    assert fourth.status == "offered"  # the declined offer's seat goes to the next one
    assert fourth.price == 100_000  # at the price of the offer they had accepted


def test_a_cancelled_enrolment_leaves_the_verification_queue_and_cannot_be_decided() -> None:
    world = make_world(price=400_000, allowance=400_000, sample_rate="1")
    staff = world.provider_staff.user
    enrolment = _started(world)
    enrolment = attendance_record(
        actor=staff, enrolment=enrolment, sessions=[(d, True) for d in _days(10)]
    )
    enrolment = enrolment_complete(actor=staff, enrolment=enrolment)
    enrolment = enrolment_record_outcome(
        actor=staff,
        enrolment=enrolment,
        outcome="employment",
        evidence="Analyst at Acme",
        outcome_date=timezone.localdate(),
    )
    assert enrolment.outcome_verification == "pending"
    cohort_cancel(actor=staff, cohort=world.cohort, reason="Trainer left")
    enrolment.refresh_from_db()
    assert enrolment.status == "cancelled"
    assert enrolment.outcome_verification == ""

    funder = client_for(world.officer, mfa=True)
    queue = funder.get("/api/v1/funder/enrolments?verification=pending").json()["results"]
    assert queue == []
    for verified, reason in ((True, ""), (False, "No evidence")):
        with pytest.raises(InvalidTransition):
            outcome_verify(
                actor=world.officer, enrolment=enrolment, verified=verified, reason=reason
            )
    answer = funder.post(
        f"/api/v1/funder/enrolments/{enrolment.pk}/verify-outcome",
        {"verified": False, "reason": "No evidence"},
        format="json",
    )
    assert answer.status_code == 409
    assert answer.json()["code"] == "invalid_transition"
    enrolment.refresh_from_db()
    assert enrolment.outcome_verification == ""
    assert ledger_verify().ok


def test_an_enrolment_paid_from_two_programmes_is_visible_to_both_funders() -> None:
    world = make_world(price=500_000, allowance=300_000)
    second = make_programme(budget=1_000_000, allowance=300_000, funds_expiry_months=24)
    second_officer = second.funder.memberships.get().user
    programme_approve_provider(
        actor=second_officer, programme=second, provider=world.course.provider
    )
    learner = UserFactory.create()
    grant_create(actor=world.officer, programme=world.programme, learner=learner)
    grant_create(actor=second_officer, programme=second, learner=learner)
    enrolment = world.offered(learner)
    enrolment = enrolment_accept(actor=learner, enrolment=enrolment)
    assert enrolment.programme_id == world.programme.pk  # its pot expires first, so it leads
    assert sorted(enrolment.draws.values_list("amount", flat=True)) == [200_000, 300_000]

    co_funder = client_for(second_officer, mfa=True)
    listed = co_funder.get("/api/v1/funder/enrolments").json()["results"]
    assert [row["id"] for row in listed] == [enrolment.pk]
    assert co_funder.get(f"/api/v1/funder/enrolments/{enrolment.pk}").status_code == 200
    # Seeing is not deciding: the leading programme's funder verifies its outcome.
    answer = co_funder.post(
        f"/api/v1/funder/enrolments/{enrolment.pk}/verify-outcome",
        {"verified": True},
        format="json",
    )
    assert answer.status_code == 403
    stranger = client_for(make_world().officer, mfa=True)
    assert stranger.get(f"/api/v1/funder/enrolments/{enrolment.pk}").status_code == 404
