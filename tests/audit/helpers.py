"""Scenarios for the audit reports: a programme whose money has moved in every way."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

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
from tests.factories import CohortFactory
from users.models import User
from wallets.eligibility import EligibilityFacts
from wallets.models import WalletPot
from wallets.services import application_approve, application_submit, pot_expire

# Four years either side of today: the expiry a scenario makes a year on is inside.
WIDE = {
    "from": (timezone.localdate() - dt.timedelta(days=4 * 365)).isoformat(),
    "to": (timezone.localdate() + dt.timedelta(days=4 * 365)).isoformat(),
}


def report_url(programme_id: int, name: str, csv: bool = False) -> str:
    return f"/api/v1/funder/programmes/{programme_id}/reports/{name}{'.csv' if csv else ''}"


def applicant(world: World, region: str) -> User:
    """A learner who applied with `region` on the application and was granted."""
    learner = world.learner(funds=False)
    application = application_submit(
        actor=learner,
        programme=world.programme,
        facts=EligibilityFacts(
            date_of_birth=dt.date(1990, 1, 1),
            postcode="B1 1AA",
            region=region,
            employment_status="unemployed",
            highest_qualification_level=2,
        ),
    )
    application_approve(actor=world.officer, application=application)
    return learner


def started(world: World, learner: User) -> Enrolment:
    enrolment = enrolment_accept(actor=learner, enrolment=world.offered(learner))
    enrolment = enrolment_record_start(actor=world.provider_staff.user, enrolment=enrolment)
    return enrolment_confirm_start(actor=learner, enrolment=enrolment)


def finished(world: World, learner: User, outcome: str = "employment") -> Enrolment:
    staff = world.provider_staff.user
    enrolment = started(world, learner)
    enrolment = attendance_record(
        actor=staff, enrolment=enrolment, sessions=[(timezone.localdate(), True)]
    )
    enrolment = enrolment_complete(actor=staff, enrolment=enrolment)
    return enrolment_record_outcome(
        actor=staff,
        enrolment=enrolment,
        outcome=outcome,
        evidence="Contract",
        outcome_date=timezone.localdate(),
    )


def everything_world(**fields: Any) -> World:
    """Grants, acceptances, every milestone paid, a withdrawal, a cancelled cohort (clawback)
    and an expired pot, on one programme with sample rate 0 (outcomes pay on record)."""
    world = make_world(price=400_000, allowance=400_000, sample_rate="0", **fields)
    finished(world, applicant(world, "West Midlands"))
    leaver = world.learner()
    enrolment_withdraw(actor=leaver, enrolment=started(world, leaver))
    other = dataclasses.replace(
        world,
        cohort=CohortFactory.create(
            course=world.course,
            start_date=timezone.localdate(),
            end_date=timezone.localdate(),
            application_deadline=timezone.localdate(),
        ),
    )
    started(other, other.learner())
    cohort_cancel(actor=world.provider_staff.user, cohort=other.cohort, reason="Trainer left")
    started(world, world.learner())  # still held after its start payment
    expiring = world.learner()
    pot = WalletPot.objects.get(wallet__learner=expiring)
    assert pot.expires_at is not None
    with time_machine.travel(pot.expires_at + dt.timedelta(days=1), tick=False):
        pot_expire(pot_id=pot.pk)
    return world
