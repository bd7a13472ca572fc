"""Milestones follow the calendar: no public money for a start, attendance, completion or
outcome that the cohort's dates rule out. Each refusal leaves the enrolment and the ledger
as they were; the same call in range succeeds."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from courses.models import Cohort
from courses.timetable import InvalidTimetable, cohort_set_timetable
from enrolments.errors import InvalidSessions, OutcomeOutsideWindow, StartDisputed, TooEarly
from enrolments.models import AttendanceRecord, Enrolment, MilestonePayment
from enrolments.services import (
    attendance_record,
    enrolment_accept,
    enrolment_complete,
    enrolment_confirm_start,
    enrolment_confirm_start_on_evidence,
    enrolment_record_outcome,
    enrolment_record_start,
    outcome_verify,
    outcome_windows_close_due,
    start_dispute_decide,
    starts_lapse_due,
)
from tests.enrolments.helpers import World, balance, held, make_world
from tests.factories import CohortFactory
from tests.helpers import client_for
from wallets.models import LedgerTransaction
from wallets.verification import ledger_verify

pytestmark = pytest.mark.django_db

TODAY = dt.date(2027, 3, 1)  # a Monday
MON, WED, FRI = 0, 2, 4


@contextmanager
def on(day: dt.date, hour: int = 12) -> Iterator[None]:
    moment = timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))
    with time_machine.travel(moment, tick=False):
        yield


def _snapshot(enrolment: Enrolment) -> tuple[Any, ...]:
    enrolment.refresh_from_db()
    return (
        enrolment.status,
        enrolment.provider_recorded_start_at,
        enrolment.learner_confirmed_start_at,
        enrolment.attendance_present,
        enrolment.attendance_planned,
        enrolment.outcome,
        AttendanceRecord.objects.filter(enrolment=enrolment).count(),
        MilestonePayment.objects.filter(enrolment=enrolment).count(),
        LedgerTransaction.objects.count(),
    )


def _refused(enrolment: Enrolment, error: type[Exception], call: Any) -> Any:
    before = _snapshot(enrolment)
    with pytest.raises(error) as info:
        call()
    assert _snapshot(enrolment) == before
    assert ledger_verify().ok
    return info.value


def _world_with_cohort(
    *, start: dt.date, weeks: int = 4, weekdays: list[int] | None = None, **fields: Any
) -> World:
    with on(start - dt.timedelta(days=20)):
        world = make_world(price=400_000, allowance=400_000, **fields)
        world.cohort = CohortFactory.create(
            course=world.course,
            start_date=start,
            end_date=start + dt.timedelta(weeks=weeks, days=-3),
            application_deadline=start - dt.timedelta(days=7),
            weekdays=weekdays or [MON, WED, FRI],
        )
    return world


def _accepted(world: World, on_day: dt.date) -> Enrolment:
    with on(on_day):
        enrolment = world.offered()
        return enrolment_accept(actor=enrolment.learner, enrolment=enrolment)


# --- Timetable ------------------------------------------------------------------------------


def test_a_cohort_created_without_a_timetable_gets_every_weekday() -> None:
    world = make_world()
    provider = client_for(world.provider_staff.user, mfa=True)
    start = timezone.localdate() + dt.timedelta(days=14)
    created = provider.post(
        f"/api/v1/provider/courses/{world.course.pk}/cohorts",
        {
            "start_date": str(start),
            "end_date": str(start + dt.timedelta(days=13)),
            "application_deadline": str(start - dt.timedelta(days=3)),
            "capacity": 12,
            "online": True,
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    timetable = created.json()["timetable"]
    assert timetable["weekdays"] == [0, 1, 2, 3, 4]
    assert len(timetable["session_dates"]) == 10  # two weeks of weekdays
    assert all(dt.date.fromisoformat(d).weekday() < 5 for d in timetable["session_dates"])
    cohort_id = created.json()["id"]
    shown = provider.get(f"/api/v1/provider/cohorts/{cohort_id}/timetable").json()
    assert shown["session_dates"] == timetable["session_dates"]
    public = client_for(world.learner()).get(f"/api/v1/courses/{world.course.pk}").json()
    listed = {c["id"]: c for c in public["upcoming_cohorts"]}
    assert listed[cohort_id]["session_dates"] == timetable["session_dates"]


def test_the_timetable_is_a_weekly_pattern_or_a_list_and_held_sessions_never_change() -> None:
    world = _world_with_cohort(start=TODAY)
    staff = world.provider_staff.user
    with on(TODAY + dt.timedelta(days=7)):  # the first week has been held
        held = [d for d in world.cohort.session_dates if d <= timezone.localdate()]
        cohort = cohort_set_timetable(actor=staff, cohort=world.cohort, weekdays=[1, 3])
        assert cohort.session_dates[: len(held)] == held
        assert all(d.weekday() in (1, 3) for d in cohort.session_dates[len(held) :])

        later = [TODAY + dt.timedelta(days=15), TODAY + dt.timedelta(days=16)]
        cohort = cohort_set_timetable(actor=staff, cohort=cohort, dates=later)
        assert cohort.session_dates == [*held, *later]
        assert cohort.weekdays == []

        with pytest.raises(InvalidTimetable) as info:
            cohort_set_timetable(
                actor=staff,
                cohort=cohort,
                dates=[TODAY + dt.timedelta(days=1), TODAY + dt.timedelta(days=400)],
            )
        assert info.value.extra["dates"] == [
            (TODAY + dt.timedelta(days=1)).isoformat(),
            (TODAY + dt.timedelta(days=400)).isoformat(),
        ]
        assert Cohort.objects.get(pk=cohort.pk).session_dates == [*held, *later]
        answer = client_for(staff, mfa=True).put(
            f"/api/v1/provider/cohorts/{cohort.pk}/timetable", {"weekdays": [6, 9]}, format="json"
        )
        assert answer.status_code == 400


# --- Start ----------------------------------------------------------------------------------


def test_a_start_is_neither_recorded_nor_confirmed_before_the_first_session() -> None:
    world = _world_with_cohort(start=TODAY)
    enrolment = _accepted(world, TODAY - dt.timedelta(days=10))
    staff = world.provider_staff.user
    with on(TODAY - dt.timedelta(days=1)):
        error = _refused(
            enrolment, TooEarly, lambda: enrolment_record_start(actor=staff, enrolment=enrolment)
        )
        assert error.extra["first_session"] == TODAY.isoformat()
        _refused(
            enrolment,
            TooEarly,
            lambda: enrolment_confirm_start(actor=enrolment.learner, enrolment=enrolment),
        )
        answer = client_for(staff, mfa=True).post(
            f"/api/v1/provider/enrolments/{enrolment.pk}/start"
        )
        assert answer.status_code == 422
        assert answer.json()["code"] == "too_early"
    with on(TODAY):
        enrolment = enrolment_record_start(actor=staff, enrolment=enrolment)
        enrolment = enrolment_confirm_start(actor=enrolment.learner, enrolment=enrolment)
    assert balance(world.payable.pk) == 180_000
    assert ledger_verify().ok


def test_recording_the_start_again_keeps_the_first_time_and_its_window() -> None:
    world = _world_with_cohort(start=TODAY)
    enrolment = _accepted(world, TODAY - dt.timedelta(days=10))
    staff = world.provider_staff.user
    with on(TODAY):
        first = enrolment_record_start(actor=staff, enrolment=enrolment).provider_recorded_start_at
    with on(TODAY + dt.timedelta(days=10)):
        again = enrolment_record_start(actor=staff, enrolment=enrolment)
    assert again.provider_recorded_start_at == first
    assert enrolment.events.filter(action="record_start").count() == 1


def test_an_unconfirmed_start_lapses_and_the_provider_records_it_again() -> None:
    world = _world_with_cohort(start=TODAY)
    enrolment = _accepted(world, TODAY - dt.timedelta(days=10))
    staff = world.provider_staff.user
    with on(TODAY):
        enrolment_record_start(actor=staff, enrolment=enrolment)
    with on(TODAY + dt.timedelta(days=15)):
        assert starts_lapse_due() == 1
        enrolment.refresh_from_db()
        assert (enrolment.status, enrolment.provider_recorded_start_at) == ("accepted", None)
        assert enrolment.start_lapses == 1
        assert enrolment.events.filter(action="start_lapsed").exists()
        assert balance(world.payable.pk) == 0
        enrolment = enrolment_record_start(actor=staff, enrolment=enrolment)
        enrolment = enrolment_confirm_start(actor=enrolment.learner, enrolment=enrolment)
    assert balance(world.payable.pk) == 180_000
    assert ledger_verify().ok


def test_an_officer_confirms_a_start_on_evidence_when_the_learner_does_not_answer() -> None:
    world = _world_with_cohort(start=TODAY)
    enrolment = _accepted(world, TODAY - dt.timedelta(days=10))
    with on(TODAY):
        enrolment = enrolment_record_start(actor=world.provider_staff.user, enrolment=enrolment)
    with on(TODAY + dt.timedelta(days=5)):
        funder = client_for(world.officer, mfa=True)
        url = f"/api/v1/funder/enrolments/{enrolment.pk}/confirm-start"
        assert funder.post(url, {}, format="json").status_code == 400  # evidence required
        answer = funder.post(
            url, {"evidence": "Signed register and LMS log-ins for week 1"}, format="json"
        )
        assert answer.status_code == 200, answer.json()
    assert balance(world.payable.pk) == 180_000
    enrolment.refresh_from_db()
    assert enrolment.start_confirmed_by_id == world.officer.pk
    assert ledger_verify().ok


def test_a_disputed_start_is_frozen_until_an_officer_decides() -> None:
    world = _world_with_cohort(start=TODAY)
    upheld = _accepted(world, TODAY - dt.timedelta(days=10))
    rejected = _accepted(world, TODAY - dt.timedelta(days=10))
    staff = world.provider_staff.user
    with on(TODAY + dt.timedelta(days=2)):
        for enrolment in (upheld, rejected):
            enrolment_record_start(actor=staff, enrolment=enrolment)
            learner = client_for(enrolment.learner)
            answer = learner.post(
                f"/api/v1/enrolments/{enrolment.pk}/dispute-start",
                {"reason": "I never attended: I withdrew before the first day."},
                format="json",
            )
            assert answer.status_code == 200
        _refused(
            upheld,
            StartDisputed,
            lambda: enrolment_confirm_start_on_evidence(
                actor=world.officer, enrolment=upheld, evidence="Register"
            ),
        )
        # Disputes do not lapse: the learner answered.
        with on(TODAY + dt.timedelta(days=20)):
            assert starts_lapse_due() == 0
        upheld = start_dispute_decide(
            actor=world.officer, enrolment=upheld, upheld=True, reason="No attendance evidence"
        )
        assert (upheld.status, upheld.provider_recorded_start_at) == ("accepted", None)
        assert balance(world.payable.pk) == 0
        rejected = start_dispute_decide(
            actor=world.officer, enrolment=rejected, upheld=False, reason="Signed register"
        )
    assert rejected.status == "started"
    assert balance(world.payable.pk) == 180_000
    assert ledger_verify().ok


# --- Attendance -----------------------------------------------------------------------------


def _started(world: World, day: dt.date) -> Enrolment:
    enrolment = _accepted(world, TODAY - dt.timedelta(days=10))
    with on(day):
        enrolment = enrolment_record_start(actor=world.provider_staff.user, enrolment=enrolment)
        return enrolment_confirm_start(actor=enrolment.learner, enrolment=enrolment)


def test_attendance_is_recorded_only_for_planned_sessions_that_have_taken_place() -> None:
    world = _world_with_cohort(start=TODAY)
    enrolment = _started(world, TODAY)
    staff = world.provider_staff.user
    tuesday, next_monday = TODAY + dt.timedelta(days=1), TODAY + dt.timedelta(days=7)
    with on(TODAY + dt.timedelta(days=2)):
        error = _refused(
            enrolment,
            InvalidSessions,
            lambda: attendance_record(
                actor=staff,
                enrolment=enrolment,
                sessions=[(TODAY, True), (tuesday, True), (next_monday, True)],
            ),
        )
        assert error.extra["dates"] == [tuesday.isoformat(), next_monday.isoformat()]
        assert error.extra["reasons"] == {
            tuesday.isoformat(): "not a planned session of this cohort",
            next_monday.isoformat(): "in the future",
        }
        answer = client_for(staff, mfa=True).post(
            f"/api/v1/provider/enrolments/{enrolment.pk}/attendance",
            {"sessions": [{"date": "2000-01-03", "present": True}]},
            format="json",
        )
        assert answer.status_code == 400
        assert answer.json()["code"] == "invalid_sessions"
        assert answer.json()["extra"]["dates"] == ["2000-01-03"]
        enrolment = attendance_record(
            actor=staff,
            enrolment=enrolment,
            sessions=[(TODAY, True), (TODAY + dt.timedelta(days=2), False)],
        )
    assert (enrolment.attendance_present, enrolment.attendance_planned) == (1, 2)


def test_a_held_session_without_a_record_counts_as_absent_after_the_grace_period() -> None:
    world = _world_with_cohort(start=TODAY)
    enrolment = _started(world, TODAY)
    staff = world.provider_staff.user
    with on(TODAY + dt.timedelta(days=4)):  # Mon, Wed, Fri held; only Monday recorded
        enrolment = attendance_record(actor=staff, enrolment=enrolment, sessions=[(TODAY, True)])
        assert (enrolment.attendance_present, enrolment.attendance_planned) == (1, 1)
    with on(TODAY + dt.timedelta(days=11)):  # Wednesday is 9 days old, Friday 7: both absent
        enrolment = attendance_record(actor=staff, enrolment=enrolment, sessions=[(TODAY, True)])
        # Week 1's unrecorded Wednesday and Friday are past the 7-day grace: absent. Week 2's
        # sessions are still within it and not counted yet.
        assert (enrolment.attendance_present, enrolment.attendance_planned) == (1, 3)
        assert enrolment.attendance_percent == 33


# --- Completion and outcome ------------------------------------------------------------------


def test_completion_waits_for_the_last_session_less_the_programmes_tolerance() -> None:
    world = _world_with_cohort(start=TODAY, completion_tolerance_days=2)
    enrolment = _started(world, TODAY)
    staff = world.provider_staff.user
    last = world.cohort.session_dates[-1]
    with on(last - dt.timedelta(days=3)):
        enrolment = attendance_record(actor=staff, enrolment=enrolment, sessions=[(TODAY, True)])
        error = _refused(
            enrolment, TooEarly, lambda: enrolment_complete(actor=staff, enrolment=enrolment)
        )
        assert error.extra["earliest"] == (last - dt.timedelta(days=2)).isoformat()
    with on(last - dt.timedelta(days=2)):
        enrolment = enrolment_complete(actor=staff, enrolment=enrolment)
    assert enrolment.status == "completed"
    # Every session held counts at completion: one recorded of all held is under 25 %.
    assert enrolment.attendance_present == 1
    assert enrolment.milestone_payments.get(milestone="completion").amount == 35_000


def _completed(world: World) -> Enrolment:
    enrolment = _started(world, TODAY)
    last = world.cohort.session_dates[-1]
    with on(last):
        sessions = [(day, True) for day in world.cohort.session_dates]
        enrolment = attendance_record(
            actor=world.provider_staff.user, enrolment=enrolment, sessions=sessions
        )
        return enrolment_complete(actor=world.provider_staff.user, enrolment=enrolment)


def test_an_outcome_is_dated_within_the_window_after_the_end() -> None:
    world = _world_with_cohort(start=TODAY, sample_rate="0")
    enrolment = _completed(world)
    staff = world.provider_staff.user
    end = world.cohort.end_date

    def record(day: dt.date | None) -> Any:
        return lambda: enrolment_record_outcome(
            actor=staff,
            enrolment=enrolment,
            outcome="employment",
            evidence="Contract",
            outcome_date=day,
        )

    with on(end + dt.timedelta(days=30)):
        _refused(enrolment, OutcomeOutsideWindow, record(end - dt.timedelta(days=1)))
        _refused(enrolment, Exception, record(end + dt.timedelta(days=31)))  # in the future
        _refused(enrolment, Exception, record(None))
    with on(end + dt.timedelta(days=200)):  # six months have passed
        error = _refused(enrolment, OutcomeOutsideWindow, record(end + dt.timedelta(days=20)))
        assert "closed" in str(error)
    with on(end + dt.timedelta(days=60)):
        enrolment = record(end + dt.timedelta(days=45))()
    assert enrolment.outcome_date == end + dt.timedelta(days=45)
    assert balance(world.payable.pk) == 400_000
    assert ledger_verify().ok


def test_an_outcome_window_that_closes_empty_returns_the_outcome_share() -> None:
    world = _world_with_cohort(start=TODAY)
    enrolment = _completed(world)
    with on(world.cohort.end_date + dt.timedelta(days=100)):
        assert outcome_windows_close_due() == 0
    with on(world.cohort.end_date + dt.timedelta(days=200)):
        assert outcome_windows_close_due() == 1
    enrolment.refresh_from_db()
    assert (enrolment.status, enrolment.outcome) == ("outcome_recorded", "none")
    assert held(enrolment) == 0
    pots = sum(p.account.balance for p in enrolment.learner.wallet.pots.select_related("account"))
    assert pots == 80_000  # the 20 % outcome share is the learner's again
    assert ledger_verify().ok


def test_the_whole_journey_follows_the_clock() -> None:
    """From before the start to after the outcome window: each step only when its date came."""
    start = dt.date(2027, 4, 5)  # a Monday
    world = _world_with_cohort(start=start, weeks=6, sample_rate="1")
    staff = world.provider_staff.user
    enrolment = _accepted(world, start - dt.timedelta(days=10))
    sessions = world.cohort.session_dates
    assert len(sessions) == 18
    assert sessions[0] == start

    with on(start - dt.timedelta(days=1)):
        _refused(
            enrolment, TooEarly, lambda: enrolment_record_start(actor=staff, enrolment=enrolment)
        )
    with on(start):
        enrolment = enrolment_record_start(actor=staff, enrolment=enrolment)
    with on(start + dt.timedelta(days=1)):
        enrolment = enrolment_confirm_start(actor=enrolment.learner, enrolment=enrolment)
    assert balance(world.payable.pk) == 180_000
    for week in range(6):
        friday = start + dt.timedelta(weeks=week, days=4)
        with on(friday, hour=18):
            this_week = [d for d in sessions if friday - dt.timedelta(days=4) <= d <= friday]
            enrolment = attendance_record(
                actor=staff,
                enrolment=enrolment,
                sessions=[(d, not (week == 2 and d.weekday() == WED)) for d in this_week],
            )
            if week < 5:
                _refused(
                    enrolment,
                    TooEarly,
                    functools.partial(enrolment_complete, actor=staff, enrolment=enrolment),
                )
    with on(sessions[-1], hour=18):
        enrolment = enrolment_complete(actor=staff, enrolment=enrolment)
    assert (enrolment.attendance_present, enrolment.attendance_planned) == (17, 18)  # 94 %
    assert balance(world.payable.pk) == 180_000 + 140_000
    with on(world.cohort.end_date + dt.timedelta(days=40)):
        enrolment = enrolment_record_outcome(
            actor=staff,
            enrolment=enrolment,
            outcome="employment",
            evidence="Junior QA engineer, contract signed",
            outcome_date=world.cohort.end_date + dt.timedelta(days=30),
        )
        assert enrolment.outcome_verification == "pending"
        enrolment = outcome_verify(actor=world.officer, enrolment=enrolment, verified=True)
    assert balance(world.payable.pk) == 400_000
    assert held(enrolment) == 0
    with on(world.cohort.end_date + dt.timedelta(days=365)):
        assert outcome_windows_close_due() == 0  # settled: nothing left to close
    assert ledger_verify().ok
