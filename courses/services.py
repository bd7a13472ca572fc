"""Every write on courses and cohorts. Enrolments have their own app (enrolments/)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from core.errors import InvalidInput
from core.skills import check_skills
from courses.errors import CapacityBelowSeatsTaken, CohortNotEditable, InvalidCohortDates
from courses.models import Cohort, Course, default_weekdays
from courses.signals import cohort_seats_freed
from courses.timetable import InvalidTimetable, check_weekdays, plan, replan_for_new_dates
from providers.models import Provider
from providers.selectors import check_provider_member, check_provider_member_or_staff
from providers.services import require_provider_approved
from users.models import User

COURSE_FIELDS = {
    "title",
    "summary",
    "description",
    "skills",
    "level",
    "mode",
    "region",
    "guided_learning_hours",
    "length_weeks",
    "price",
    "entry_requirements",
    "expected_outcomes",
    "status",
}
COHORT_FIELDS = {"start_date", "end_date", "application_deadline", "capacity", "online", "location"}


def _check_may_edit(provider: Provider, *, publishing: bool) -> None:
    """Suspended and delisted providers are frozen; a provider awaiting approval may prepare
    drafts and cohorts, but publishes nothing until it is approved."""
    if provider.status == Provider.Status.PENDING and not publishing:
        return
    require_provider_approved(provider)


def course_create(*, actor: User, provider: Provider, **fields: Any) -> Course:
    check_provider_member(user=actor, provider_id=provider.pk)
    unknown = set(fields) - COURSE_FIELDS
    if unknown:
        raise InvalidInput(f"Unknown fields: {', '.join(sorted(unknown))}.")
    _check_may_edit(provider, publishing=fields.get("status") == Course.Status.PUBLISHED)
    fields["skills"] = check_skills(fields.get("skills", []))
    with transaction.atomic():
        return Course.objects.create(provider=provider, **fields)


def course_update(*, actor: User, course: Course, **fields: Any) -> Course:
    """Change a course; `status` publishes, archives or returns it to draft. Changing the
    price never changes an outstanding offer (offers fix their price)."""
    check_provider_member_or_staff(user=actor, provider_id=course.provider_id)
    unknown = set(fields) - COURSE_FIELDS
    if unknown:
        raise InvalidInput(f"These fields cannot be changed: {', '.join(sorted(unknown))}.")
    if "skills" in fields:
        fields["skills"] = check_skills(fields["skills"])
    with transaction.atomic():
        locked = Course.objects.select_for_update().select_related("provider").get(pk=course.pk)
        _check_may_edit(
            locked.provider,
            publishing=locked.status == Course.Status.PUBLISHED
            or fields.get("status") == Course.Status.PUBLISHED,
        )
        for name, value in fields.items():
            setattr(locked, name, value)
        locked.save()
    return locked


def _check_dates(start: dt.date, end: dt.date, deadline: dt.date) -> None:
    errors = {}
    if end < start:
        errors["end_date"] = "The cohort cannot end before it starts."
    if deadline > start:
        errors["application_deadline"] = "Applications must close on or before the start date."
    if errors:
        raise InvalidCohortDates(next(iter(errors.values())), fields=errors)


def _check_place(online: bool, location: str) -> None:
    if not online and not location.strip():
        raise InvalidInput(
            "An in-person cohort needs a location.", fields={"location": "Required unless online."}
        )


def cohort_create(
    *,
    actor: User,
    course: Course,
    weekdays: list[int] | None = None,
    session_dates: list[dt.date] | None = None,
    **fields: Any,
) -> Cohort:
    """Add a cohort with its timetable: a weekly pattern, a list of dates, or by default
    every weekday from its start to its end date."""
    check_provider_member(user=actor, provider_id=course.provider_id)
    _check_may_edit(course.provider, publishing=course.status == Course.Status.PUBLISHED)
    unknown = set(fields) - COHORT_FIELDS
    if unknown:
        raise InvalidInput(f"Unknown fields: {', '.join(sorted(unknown))}.")
    _check_dates(fields["start_date"], fields["end_date"], fields["application_deadline"])
    _check_place(fields.get("online", False), fields.get("location", ""))
    if weekdays is not None and session_dates is not None:
        raise InvalidTimetable("Send either `weekdays` or `session_dates`, not both.")
    if session_dates is None:
        weekdays = default_weekdays() if weekdays is None else weekdays
    sessions = plan(
        start=fields["start_date"],
        end=fields["end_date"],
        held=[],
        weekdays=weekdays,
        dates=session_dates,
        # A new cohort's sessions may include today (nothing has been held yet).
        today=timezone.localdate() - dt.timedelta(days=1),
    )
    with transaction.atomic():
        return Cohort.objects.create(
            course=course,
            weekdays=check_weekdays(weekdays) if weekdays is not None else [],
            session_dates=sessions,
            **fields,
        )


def cohort_update(*, actor: User, cohort: Cohort, **fields: Any) -> Cohort:
    """Change dates, place or capacity. Capacity can go up freely; never below seats taken."""
    check_provider_member_or_staff(user=actor, provider_id=cohort.course.provider_id)
    _check_may_edit(
        cohort.course.provider, publishing=cohort.course.status == Course.Status.PUBLISHED
    )
    unknown = set(fields) - COHORT_FIELDS
    if unknown:
        raise InvalidInput(f"These fields cannot be changed: {', '.join(sorted(unknown))}.")
    with transaction.atomic():
        locked = Cohort.objects.select_for_update().get(pk=cohort.pk)
        if locked.status not in (Cohort.Status.OPEN, Cohort.Status.FULL):
            raise CohortNotEditable(status=locked.status)
        for name, value in fields.items():
            setattr(locked, name, value)
        _check_dates(locked.start_date, locked.end_date, locked.application_deadline)
        _check_place(locked.online, locked.location)
        if {"start_date", "end_date"} & set(fields):
            replan_for_new_dates(locked)
        if locked.capacity < locked.seats_taken:
            raise CapacityBelowSeatsTaken(
                f"{locked.seats_taken} seats are taken; capacity cannot go below that.",
                seats_taken=locked.seats_taken,
                capacity=locked.capacity,
            )
        if locked.status == Cohort.Status.FULL and locked.seats_taken < locked.capacity:
            locked.status = Cohort.Status.OPEN
        elif locked.status == Cohort.Status.OPEN and locked.seats_taken >= locked.capacity:
            locked.status = Cohort.Status.FULL
        locked.save()
        if locked.status == Cohort.Status.OPEN:
            # Enrolments offers the freed seats to its waiting list, under this lock.
            cohort_seats_freed.send(sender=Cohort, cohort=locked)
    return locked
