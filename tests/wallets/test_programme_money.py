"""A funder sees all its programme's money, read from the ledger, and the figures add up to the
penny after grants, acceptances, milestones, a withdrawal, a cancellation and an expiry."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from enrolments.models import Enrolment
from enrolments.services import (
    attendance_record,
    cohort_cancel,
    enrolment_accept,
    enrolment_complete,
    enrolment_confirm_start,
    enrolment_record_outcome,
    enrolment_record_start,
    enrolment_withdraw,
)
from tests.enrolments.helpers import World, make_world
from tests.factories import CohortFactory, UserFactory, make_programme
from tests.helpers import client_for
from users.models import User
from wallets.balances import programme_balances_now, programme_money
from wallets.models import LedgerAccount, WalletPot
from wallets.services import grant_create, pot_expire, programme_approve_provider
from wallets.verification import ledger_verify

pytestmark = pytest.mark.django_db


def _started(world: World, learner: User) -> Enrolment:
    enrolment = enrolment_accept(actor=learner, enrolment=world.offered(learner))
    enrolment = enrolment_record_start(actor=world.provider_staff.user, enrolment=enrolment)
    return enrolment_confirm_start(actor=learner, enrolment=enrolment)


def test_the_programmes_figures_come_from_the_ledger_and_add_up() -> None:
    world = make_world(price=400_000, allowance=400_000, sample_rate="0")
    staff = world.provider_staff.user
    second = make_programme(budget=1_000_000, allowance=200_000, funds_expiry_months=24)
    second_officer = second.funder.memberships.get().user
    programme_approve_provider(
        actor=second_officer, programme=second, provider=world.course.provider
    )

    # Finished: every milestone paid (400,000).
    finished = world.learner()
    enrolment = _started(world, finished)
    enrolment = attendance_record(
        actor=staff, enrolment=enrolment, sessions=[(timezone.localdate(), True)]
    )
    enrolment = enrolment_complete(actor=staff, enrolment=enrolment)
    enrolment_record_outcome(
        actor=staff,
        enrolment=enrolment,
        outcome="employment",
        evidence="Contract",
        outcome_date=timezone.localdate(),
    )
    # Withdrawn after the start: 180,000 paid, 220,000 back in the pot.
    leaver = world.learner()
    enrolment_withdraw(actor=leaver, enrolment=_started(world, leaver))
    # Co-funded: 300,000 of the first programme, 100,000 of the second; the start (180,000)
    # is paid from the money that expires first.
    cofunded = UserFactory.create()
    grant_create(actor=world.officer, programme=world.programme, learner=cofunded, amount=300_000)
    grant_create(actor=second_officer, programme=second, learner=cofunded)
    _started(world, cofunded)
    # Cancelled cohort: the start payment comes back, then everything to the pot.
    other = dataclasses.replace(
        world,
        cohort=CohortFactory.create(
            course=world.course,
            start_date=timezone.localdate(),
            end_date=timezone.localdate(),
            application_deadline=timezone.localdate(),
        ),
    )
    cancelled = other.learner()
    _started(other, cancelled)
    cohort_cancel(actor=staff, cohort=other.cohort, reason="Trainer left")
    # Expired: a grant nobody spent goes back to the budget.
    expiring = world.learner()
    pot = WalletPot.objects.get(wallet__learner=expiring)
    assert pot.expires_at is not None
    with time_machine.travel(pot.expires_at + dt.timedelta(days=1), tick=False):
        pot_expire(pot_id=pot.pk)

    money = programme_money(programme=world.programme)
    assert (money.funded, money.granted) == (50_000_000, 1_900_000)
    assert (money.released, money.clawed_back, money.paid_to_providers) == (
        940_000,
        180_000,
        760_000,
    )
    assert money.held_in_escrow == 120_000  # the co-funded enrolment's first hold
    assert money.in_pots == 220_000 + 400_000  # the leaver's and the cancelled learner's
    assert money.returned_from_holds == 220_000 + 400_000
    assert money.returned_from_expired_pots == 400_000
    assert money.available == 50_000_000 - 1_900_000 + 400_000
    assert money.grants_count == 5
    assert money.balances  # funded = available + in pots + held + paid
    # The figures summed from entries agree with the balances the database keeps.
    kept = programme_balances_now(programme=world.programme)
    assert (kept["programme_budget"], kept["wallet_pot"], kept["escrow_hold"]) == (
        money.available,
        money.in_pots,
        money.held_in_escrow,
    )
    [provider] = money.providers
    assert (provider.provider_id, provider.held_in_escrow, provider.paid_to_provider) == (
        world.course.provider_id,
        120_000,
        760_000,
    )

    co = programme_money(programme=second)
    assert (co.funded, co.granted, co.in_pots, co.held_in_escrow, co.paid_to_providers) == (
        1_000_000,
        200_000,
        100_000,
        100_000,
        0,
    )
    assert co.balances
    payable = LedgerAccount.objects.get(
        owner_provider=world.course.provider, kind="provider_payable"
    )
    assert payable.balance == money.paid_to_providers + co.paid_to_providers
    assert ledger_verify().ok

    answer = client_for(world.officer, mfa=True).get(
        f"/api/v1/funder/programmes/{world.programme.pk}/balance"
    )
    assert answer.status_code == 200
    body = answer.json()
    assert body["balances"] is True
    assert (body["held_in_escrow"], body["paid_to_providers"], body["available"]) == (
        120_000,
        760_000,
        48_500_000,
    )
    assert body["providers"][0]["paid_to_provider"] == 760_000


@pytest.mark.django_db(transaction=True)  # entries carry their transaction's commit time
def test_figures_as_of_a_moment_sum_the_entries_up_to_it() -> None:
    world = make_world(price=400_000, allowance=400_000)
    before = timezone.now()
    world.learner()
    assert programme_money(programme=world.programme, as_of=before).granted == 0
    assert programme_money(programme=world.programme).granted == 400_000
