"""Completed enrolments and issued certificates, through the real services.

Milestones follow the cohort's calendar, so a learner is enrolled while the cohort is open
and the cohort is then run (moved into the past: ten daily sessions, the last today) before
the start, attendance and completion are recorded. A second learner in the same world
re-opens the cohort first; enrolments already completed keep their state.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils import timezone

from certificates.models import Certificate
from certificates.services import certificate_issue
from courses.models import Cohort
from enrolments.models import Enrolment
from enrolments.services import (
    attendance_record,
    enrolment_accept,
    enrolment_complete,
    enrolment_confirm_start,
    enrolment_record_start,
)
from tests.enrolments.helpers import World
from users.models import User

RUN_DAYS = 10


def _reopen(world: World) -> None:
    """Test set-up only: the cohort takes applications today again, as make_world's does."""
    today = timezone.localdate()
    if world.cohort.application_deadline >= today:
        return
    Cohort.objects.filter(pk=world.cohort.pk).update(
        start_date=today,
        end_date=today,
        application_deadline=today,
        weekdays=[0, 1, 2, 3, 4, 5, 6],
        session_dates=[today],
    )
    world.cohort.refresh_from_db()


def accepted(world: World, learner: User | None = None) -> Enrolment:
    _reopen(world)
    enrolment = world.offered(learner)
    return enrolment_accept(actor=enrolment.learner, enrolment=enrolment)


def run_and_start(world: World, enrolments: list[Enrolment]) -> list[Enrolment]:
    """Run the cohort (its last session today), then record and confirm each start."""
    world.run_cohort(days_ago=RUN_DAYS - 1)
    started = []
    for enrolment in enrolments:
        enrolment = enrolment_record_start(actor=world.provider_staff.user, enrolment=enrolment)
        started.append(enrolment_confirm_start(actor=enrolment.learner, enrolment=enrolment))
    return started


def complete(world: World, enrolment: Enrolment) -> Enrolment:
    """Full attendance at every session held, then completion."""
    staff = world.provider_staff.user
    today = timezone.localdate()
    sessions = [(day, True) for day in world.cohort.session_dates if day <= today]
    enrolment = attendance_record(actor=staff, enrolment=enrolment, sessions=sessions)
    return enrolment_complete(actor=staff, enrolment=enrolment)


def started(world: World, learner: User | None = None) -> Enrolment:
    return run_and_start(world, [accepted(world, learner)])[0]


def completed(world: World, learner: User | None = None) -> Enrolment:
    return complete(world, started(world, learner))


def completed_together(world: World, count: int) -> list[Enrolment]:
    """`count` learners on one run of the cohort, all completed."""
    enrolments = [accepted(world) for _ in range(count)]
    return [complete(world, e) for e in run_and_start(world, enrolments)]


def issued(
    world: World,
    capture: Callable[..., Any],
    learner: User | None = None,
    **fields: Any,
) -> Certificate:
    """A certificate for a newly completed enrolment, with its PDF rendered at commit.

    `capture` is pytest-django's `django_capture_on_commit_callbacks`.
    """
    enrolment = completed(world, learner)
    with capture(execute=True):
        certificate = certificate_issue(
            actor=world.provider_staff.user, enrolment=enrolment, **fields
        )
    certificate.refresh_from_db()
    return certificate
