"""Completed enrolments and issued certificates, through the real services."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.utils import timezone

from certificates.models import Certificate
from certificates.services import certificate_issue
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


def started(world: World, learner: User | None = None) -> Enrolment:
    enrolment = world.offered(learner)
    enrolment = enrolment_accept(actor=enrolment.learner, enrolment=enrolment)
    enrolment = enrolment_record_start(actor=world.provider_staff.user, enrolment=enrolment)
    return enrolment_confirm_start(actor=enrolment.learner, enrolment=enrolment)


def completed(world: World, learner: User | None = None) -> Enrolment:
    staff = world.provider_staff.user
    enrolment = started(world, learner)
    today = timezone.localdate()
    sessions = [(today - dt.timedelta(days=n), True) for n in range(10)]
    enrolment = attendance_record(actor=staff, enrolment=enrolment, sessions=sessions)
    return enrolment_complete(actor=staff, enrolment=enrolment)


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
