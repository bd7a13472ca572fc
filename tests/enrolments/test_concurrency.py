"""Enrolments under real concurrency: seats never oversold, milestones never paid twice."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.utils import timezone

from courses.models import Cohort
from enrolments.errors import InvalidTransition
from enrolments.models import Enrolment, MilestonePayment
from enrolments.services import (
    attendance_record,
    enrolment_accept,
    enrolment_complete,
    enrolment_confirm_start,
    enrolment_record_start,
)
from tests.concurrency import run_concurrently
from tests.enrolments.helpers import balance, make_world
from wallets.models import LedgerAccount
from wallets.verification import ledger_verify

pytestmark = pytest.mark.django_db(transaction=True)


def test_thirty_learners_accept_twenty_seats_at_the_same_moment() -> None:
    world = make_world(capacity=20, price=300_000, allowance=300_000)
    offers = [world.offered() for _ in range(30)]

    def accept(enrolment: Enrolment) -> Callable[[], Enrolment]:
        return lambda: enrolment_accept(actor=enrolment.learner, enrolment=enrolment)

    results = run_concurrently([accept(e) for e in offers])
    errors = [r for r in results if isinstance(r, BaseException)]
    assert errors == []
    statuses = sorted(
        Enrolment.objects.filter(cohort=world.cohort).values_list("status", flat=True)
    )
    assert statuses.count("accepted") == 20
    assert statuses.count("waitlisted") == 10
    cohort = Cohort.objects.get(pk=world.cohort.pk)
    assert cohort.seats_taken == 20
    assert cohort.status == "full"
    held = sum(
        LedgerAccount.objects.filter(enrolment_hold__enrolment__cohort=world.cohort).values_list(
            "balance", flat=True
        )
    )
    assert held == 20 * 300_000
    assert ledger_verify().ok


def test_the_same_milestone_triggered_twice_at_once_pays_once() -> None:
    world = make_world(price=400_000, allowance=400_000)
    staff = world.provider_staff.user
    enrolment = world.offered()
    enrolment = enrolment_accept(actor=enrolment.learner, enrolment=enrolment)
    world.run_cohort(days_ago=4)  # five daily sessions, the last today
    enrolment = enrolment_record_start(actor=staff, enrolment=enrolment)

    confirmations = run_concurrently(
        [lambda: enrolment_confirm_start(actor=enrolment.learner, enrolment=enrolment)] * 4
    )
    assert all(isinstance(r, Enrolment) for r in confirmations), confirmations
    assert MilestonePayment.objects.filter(enrolment=enrolment, milestone="start").count() == 1
    assert balance(world.payable.pk) == 180_000

    day = timezone.localdate()
    attendance_record(
        actor=staff,
        enrolment=enrolment,
        sessions=[(day - dt.timedelta(days=n), True) for n in range(5)],
    )
    completions = run_concurrently(
        [lambda: enrolment_complete(actor=staff, enrolment=enrolment)] * 4
    )
    assert sum(isinstance(r, Enrolment) for r in completions) == 1
    assert sum(isinstance(r, InvalidTransition) for r in completions) == 3
    assert MilestonePayment.objects.filter(enrolment=enrolment, milestone="completion").count() == 1
    assert balance(world.payable.pk) == 180_000 + 140_000
    assert ledger_verify().ok
