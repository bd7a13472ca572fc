"""A cohort's timetable: the planned session dates that milestones follow.

A timetable is a weekly pattern (days of the week between the cohort's start and end) or an
explicit list of dates. Sessions that have been held (today's included) never change:
editing a timetable, or a cohort's dates, replaces only the sessions still to come. The
rules that read the timetable (attendance, start, completion) are in
enrolments/services/milestones.py and docs/enrolments.md.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from core.errors import InvalidInput
from courses.errors import CohortNotEditable
from courses.models import WEEKDAY_NAMES, Cohort, dates_on_weekdays
from providers.selectors import check_provider_member_or_staff
from users.models import User

MAX_SESSIONS = 1100  # a three-year course, every day


class InvalidTimetable(InvalidInput):
    code = "invalid_timetable"
    default_detail = "The timetable is not valid for this cohort."


def describe(weekdays: list[int]) -> str:
    return ", ".join(WEEKDAY_NAMES[day] for day in sorted(set(weekdays)))


def check_weekdays(weekdays: Iterable[int]) -> list[int]:
    days = sorted(set(weekdays))
    if not days or any(not isinstance(day, int) or not 0 <= day <= 6 for day in days):
        raise InvalidTimetable(
            "Give the days of the week as numbers from 0 (Monday) to 6 (Sunday).",
            fields={"weekdays": "At least one day, each 0 to 6."},
        )
    return days


def plan(
    *,
    start: dt.date,
    end: dt.date,
    held: list[dt.date],
    weekdays: list[int] | None,
    dates: list[dt.date] | None,
    today: dt.date,
) -> list[dt.date]:
    """The full timetable: the sessions already held, then the ones to come.

    `weekdays` lays the pattern over the days still to come; `dates` lists them. Refuses
    (naming the dates) a session outside the cohort's dates or on a day already gone.
    """
    outside = [day for day in held if not start <= day <= end]
    if outside:
        raise InvalidTimetable(
            "Sessions already held cannot move outside the cohort's dates: "
            + ", ".join(day.isoformat() for day in outside)
            + ".",
            dates=[day.isoformat() for day in outside],
        )
    first_open = max(start, today + dt.timedelta(days=1))
    if weekdays is not None:
        future = dates_on_weekdays(first_open, end, check_weekdays(weekdays))
    else:
        wanted = sorted(set(dates or []))
        past = [day for day in wanted if day < first_open and day not in held]
        beyond = [day for day in wanted if day > end or day < start]
        bad = sorted(set(past) | set(beyond))
        if bad:
            raise InvalidTimetable(
                "These dates cannot be planned: "
                + ", ".join(day.isoformat() for day in bad)
                + f". Sessions to come fall between {first_open:%d %b %Y} and {end:%d %b %Y}.",
                dates=[day.isoformat() for day in bad],
            )
        future = [day for day in wanted if day >= first_open]
    sessions = sorted(set(held) | set(future))
    if not sessions:
        raise InvalidTimetable(
            "The timetable has no session between the cohort's start and end dates.",
            fields={"weekdays": "No such day falls within the cohort's dates."},
        )
    if len(sessions) > MAX_SESSIONS:
        raise InvalidTimetable(f"At most {MAX_SESSIONS} sessions.")
    return sessions


def held_sessions(cohort: Cohort, today: dt.date) -> list[dt.date]:
    """Sessions on or before `today`: held (or being held), so fixed."""
    return [day for day in cohort.session_dates if day <= today]


def cohort_set_timetable(
    *,
    actor: User,
    cohort: Cohort,
    weekdays: list[int] | None = None,
    dates: list[dt.date] | None = None,
) -> Cohort:
    """The provider sets the sessions still to come: a weekly pattern or a list of dates."""
    check_provider_member_or_staff(user=actor, provider_id=cohort.course.provider_id)
    if (weekdays is None) == (dates is None):
        raise InvalidTimetable("Send either `weekdays` or `dates`, not both.")
    with transaction.atomic():
        locked = Cohort.objects.select_for_update().get(pk=cohort.pk)
        if locked.status == Cohort.Status.CANCELLED:
            raise CohortNotEditable(status=locked.status)
        today = timezone.localdate()
        locked.session_dates = plan(
            start=locked.start_date,
            end=locked.end_date,
            held=held_sessions(locked, today),
            weekdays=weekdays,
            dates=dates,
            today=today,
        )
        locked.weekdays = check_weekdays(weekdays) if weekdays is not None else []
        locked.save(update_fields=["session_dates", "weekdays"])
    return locked


def replan_for_new_dates(cohort: Cohort) -> None:
    """After a change of a (locked) cohort's dates: the sessions to come follow the pattern
    over the new dates, or (a list) keep those still inside them."""
    today = timezone.localdate()
    held = held_sessions(cohort, today)
    if cohort.weekdays:
        cohort.session_dates = plan(
            start=cohort.start_date,
            end=cohort.end_date,
            held=held,
            weekdays=cohort.weekdays,
            dates=None,
            today=today,
        )
    else:
        upcoming = [
            day
            for day in cohort.session_dates
            if day > today and cohort.start_date <= day <= cohort.end_date
        ]
        cohort.session_dates = plan(
            start=cohort.start_date,
            end=cohort.end_date,
            held=held,
            weekdays=None,
            dates=upcoming,
            today=today,
        )
