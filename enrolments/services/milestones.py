"""Milestones on evidence after the start (enrolments/services/starts.py): attendance against
the timetable, completion (attendance rule), outcome (sampled ones verified by the funder),
and closing the hold when an enrolment is finished.

Every service here locks the cohort, then the enrolment (`lock_enrolment`), checks who is
acting and that the provider is approved: a suspended provider's milestones are neither
recorded nor paid, by anyone's action, until it is reinstated; the money stays held.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.errors import InvalidInput
from enrolments.errors import (
    AttendanceMissing,
    InvalidSessions,
    InvalidTransition,
    OutcomeOutsideWindow,
    StartNotConfirmed,
    TooEarly,
)
from enrolments.funding import deferral_funding
from enrolments.models import AttendanceRecord, Enrolment, EnrolmentHold
from enrolments.sampling import sample_outcome
from enrolments.services.money import (
    completion_amount,
    milestone_share,
    release_milestone,
    return_hold,
)
from enrolments.services.transitions import (
    S,
    lock_enrolment,
    lock_for_provider,
    record_event,
    require_funder_officer,
    require_provider_active,
    require_status,
)
from users.models import User
from wallets.services.pots import add_months

DEFAULT_OUTCOME_WINDOW_MONTHS = 6


# --- Attendance and completion: against the timetable ---------------------------------------


def attendance_counts(
    enrolment: Enrolment, today: dt.date, *, grace_days: int | None
) -> tuple[int, int]:
    """(present, planned) over the sessions held so far. A held session without a record
    counts as absent once `grace_days` have passed (None: at once, as at completion)."""
    records = dict(enrolment.attendance.values_list("session_date", "present"))
    present = planned = 0
    for day in enrolment.cohort.session_dates:
        if day > today:
            break
        if day in records:
            planned += 1
            present += records[day]
        elif grace_days is None or day <= today - dt.timedelta(days=grace_days):
            planned += 1  # unrecorded and past the grace period: absent
    return present, planned


def _store_attendance(enrolment: Enrolment, present: int, planned: int) -> None:
    enrolment.attendance_present, enrolment.attendance_planned = present, planned
    enrolment.attendance_percent = 100 * present // planned if planned else None
    enrolment.save(
        update_fields=[
            "attendance_present",
            "attendance_planned",
            "attendance_percent",
            "updated_at",
        ]
    )


def attendance_record(
    *, actor: User, enrolment: Enrolment, sessions: Iterable[tuple[dt.date, bool]]
) -> Enrolment:
    """Record attendance per planned session that has taken place; a date recorded again is
    corrected. Any other date refuses the whole request, naming it; nothing is stored."""
    sessions = list(sessions)
    if not sessions:
        raise InvalidInput("Send at least one session.", fields={"sessions": "Required."})
    with transaction.atomic():
        locked = lock_for_provider(enrolment, actor)
        require_status(locked, S.STARTED)
        today = timezone.localdate()
        planned = set(locked.cohort.session_dates)
        problems = {}
        for day, _ in sessions:
            if day > today:
                problems[day.isoformat()] = "in the future"
            elif day not in planned:
                problems[day.isoformat()] = "not a planned session of this cohort"
        if problems:
            raise InvalidSessions(
                "These dates are not sessions that have taken place: "
                + ", ".join(f"{day} ({why})" for day, why in sorted(problems.items()))
                + ".",
                dates=sorted(problems),
                reasons=problems,
            )
        for day, present in sessions:
            AttendanceRecord.objects.update_or_create(
                enrolment=locked,
                session_date=day,
                defaults={"present": present, "recorded_by": actor},
            )
        present_count, planned_count = attendance_counts(
            locked, today, grace_days=settings.ATTENDANCE_GRACE_DAYS
        )
        _store_attendance(locked, present_count, planned_count)
        record_event(
            locked,
            actor,
            "attendance",
            locked.status,
            f"{len(sessions)} sessions; present at {present_count} of {planned_count} held",
        )
    return locked


def enrolment_complete(*, actor: User, enrolment: Enrolment) -> Enrolment:
    """The provider records completion, from the last planned session on (less the
    programme's tolerance). Every session held counts: one without a record is an absence.
    The attendance rule scales the completion payment."""
    with transaction.atomic():
        locked = lock_for_provider(enrolment, actor)
        require_status(locked, S.STARTED)
        today = timezone.localdate()
        last = locked.cohort.last_session
        tolerance = locked.programme.completion_tolerance_days if locked.programme else 0
        if last is None or today < last - dt.timedelta(days=tolerance):
            earliest = last - dt.timedelta(days=tolerance) if last else None
            raise TooEarly(
                "Completion can be recorded from "
                + (f"{earliest:%d %B %Y}" if earliest else "the last session")
                + " (the cohort's last planned session"
                + (f", less {tolerance} days" if tolerance else "")
                + ").",
                earliest=earliest.isoformat() if earliest else None,
            )
        if locked.start_confirmed_by_id is None or locked.provider_recorded_start_at is None:
            raise StartNotConfirmed()
        if not locked.attendance.exists():
            raise AttendanceMissing()
        present, planned = attendance_counts(locked, today, grace_days=None)
        _store_attendance(locked, present, planned)
        locked.status, locked.completed_at = S.COMPLETED, timezone.now()
        locked.save(update_fields=["status", "completed_at", "updated_at"])
        amount = completion_amount(
            share=milestone_share(locked, "completion"),
            programme=locked.programme,
            present=present,
            planned=planned,
        )
        release_milestone(actor=actor, enrolment=locked, milestone="completion", amount=amount)
        record_event(
            locked,
            actor,
            "complete",
            S.STARTED,
            f"Attended {present} of {planned} sessions",
            amount,
        )
    return locked


def outcome_window(enrolment: Enrolment) -> tuple[dt.date, dt.date]:
    """The dates an outcome may carry: from the cohort's end to the programme's window after it."""
    months = (
        enrolment.programme.outcome_window_months
        if enrolment.programme
        else DEFAULT_OUTCOME_WINDOW_MONTHS
    )
    end = enrolment.cohort.end_date
    return end, add_months(end, months)


def _check_outcome_date(enrolment: Enrolment, outcome_date: dt.date | None) -> None:
    opens, closes = outcome_window(enrolment)
    today = timezone.localdate()
    if today > closes:
        raise OutcomeOutsideWindow(
            f"The outcome window closed on {closes:%d %B %Y}; a later outcome is not paid.",
            window_opens=opens.isoformat(),
            window_closes=closes.isoformat(),
        )
    if outcome_date is None:
        raise InvalidInput(
            "Give the date of the outcome (when the job, promotion or further learning began).",
            fields={"outcome_date": "Required."},
        )
    if outcome_date > today:
        raise InvalidInput(
            "An outcome cannot be dated in the future.", fields={"outcome_date": "In the future."}
        )
    if not opens <= outcome_date <= closes:
        raise OutcomeOutsideWindow(
            f"Outcomes are dated from the cohort's end ({opens:%d %B %Y}) to "
            f"{closes:%d %B %Y}; {outcome_date:%d %B %Y} is outside that window.",
            window_opens=opens.isoformat(),
            window_closes=closes.isoformat(),
        )


def enrolment_record_outcome(
    *,
    actor: User,
    enrolment: Enrolment,
    outcome: str,
    evidence: str,
    outcome_date: dt.date | None = None,
) -> Enrolment:
    """Record the outcome: sampled ones wait for the funder, others pay now, `none` pays nothing.

    A job, promotion or further learning needs its date and evidence; the date falls between
    the cohort's end and the end of the programme's outcome window (six months by default).
    """
    if outcome not in Enrolment.Outcome.values:
        raise InvalidInput(
            "Unknown outcome.", fields={"outcome": f"One of {', '.join(Enrolment.Outcome.values)}."}
        )
    if outcome != Enrolment.Outcome.NONE and not evidence.strip():
        raise InvalidInput(
            "Describe the evidence for this outcome.", fields={"evidence": "Required."}
        )
    with transaction.atomic():
        locked = lock_for_provider(enrolment, actor)
        require_status(locked, S.COMPLETED)
        if outcome != Enrolment.Outcome.NONE:
            _check_outcome_date(locked, outcome_date)
        locked.status, locked.outcome, locked.outcome_evidence = (
            S.OUTCOME_RECORDED,
            outcome,
            evidence.strip(),
        )
        locked.outcome_date = outcome_date if outcome != Enrolment.Outcome.NONE else None
        detail: dict[str, object] = {}
        if outcome == Enrolment.Outcome.NONE:
            locked.outcome_verification = ""
        else:
            decision = sample_outcome(locked, at=timezone.now())
            detail["sampling"] = decision.as_detail()
            locked.outcome_verification = (
                Enrolment.Verification.PENDING
                if decision.sampled
                else Enrolment.Verification.NOT_SAMPLED
            )
        locked.save(
            update_fields=[
                "status",
                "outcome",
                "outcome_date",
                "outcome_evidence",
                "outcome_verification",
                "updated_at",
            ]
        )
        record_event(
            locked,
            actor,
            "record_outcome",
            S.COMPLETED,
            f"{locked.get_outcome_display()}; {locked.outcome_verification or 'no payment'}",
            detail=detail,
        )
        if locked.outcome_verification == Enrolment.Verification.NOT_SAMPLED:
            _pay_outcome_and_close(locked, actor)
        elif outcome == Enrolment.Outcome.NONE:
            close_hold(locked, actor, "No outcome: the outcome share returns to the learner.")
    return locked


def outcome_windows_close_due(*, today: dt.date | None = None) -> int:
    """Completed enrolments whose outcome window has closed with no outcome recorded: the
    outcome is recorded as none and the outcome share returns to the learner."""
    today = today or timezone.localdate()
    count = 0
    for enrolment_id in list(
        Enrolment.objects.filter(status=S.COMPLETED, hold_closed_at__isnull=True).values_list(
            "pk", flat=True
        )
    ):
        with transaction.atomic():
            locked = lock_enrolment(Enrolment.objects.get(pk=enrolment_id))
            if locked.status != S.COMPLETED or today <= outcome_window(locked)[1]:
                continue
            locked.status, locked.outcome = S.OUTCOME_RECORDED, Enrolment.Outcome.NONE
            locked.outcome_verification = ""
            locked.save(update_fields=["status", "outcome", "outcome_verification", "updated_at"])
            record_event(
                locked, None, "outcome_window_closed", S.COMPLETED, "No outcome within the window."
            )
            close_hold(locked, None, "Outcome window closed: the outcome share returns.")
            count += 1
    return count


def _pay_outcome_and_close(enrolment: Enrolment, actor: User | None) -> None:
    amount = milestone_share(enrolment, "outcome")
    release_milestone(actor=actor, enrolment=enrolment, milestone="outcome", amount=amount)
    record_event(enrolment, actor, "milestone_paid", enrolment.status, "Outcome", amount)
    close_hold(
        enrolment, actor, "Enrolment finished: what the hold still holds returns to the learner."
    )


def close_hold(enrolment: Enrolment, actor: User | None, memo: str) -> None:
    """Close the enrolment's holds: a deferral settles first (its unspent part goes back to
    the deferral budget), then what the other holds still hold returns to the learner."""
    if enrolment.holds.filter(source=EnrolmentHold.Source.DEFERRAL).exists():
        deferral_funding().settle(actor=actor, enrolment=enrolment)
    returned = return_hold(actor=actor, enrolment=enrolment, memo=memo)
    enrolment.hold_closed_at = timezone.now()
    enrolment.save(update_fields=["hold_closed_at", "updated_at"])
    if returned:
        record_event(enrolment, actor, "hold_returned", enrolment.status, memo, returned)


def outcome_verify(
    *, actor: User, enrolment: Enrolment, verified: bool, reason: str = ""
) -> Enrolment:
    """The funder checks a sampled outcome: verified pays the outcome share, rejected does not.

    Only an enrolment whose outcome is recorded and awaiting the check can be decided: a
    cancelled or withdrawn enrolment has left the queue.
    """
    if not verified and not reason.strip():
        raise InvalidInput("Say why the outcome is rejected.", fields={"reason": "Required."})
    with transaction.atomic():
        locked = lock_enrolment(enrolment)
        require_funder_officer(locked, actor)
        require_status(locked, S.OUTCOME_RECORDED)
        if locked.outcome_verification != Enrolment.Verification.PENDING:
            raise InvalidTransition(
                "This outcome is not awaiting verification.",
                verification=locked.outcome_verification,
            )
        if verified:  # paying a suspended provider waits; rejecting returns money, so it may not
            require_provider_active(locked.cohort.course)
        locked.outcome_verification = (
            Enrolment.Verification.VERIFIED if verified else Enrolment.Verification.REJECTED
        )
        locked.save(update_fields=["outcome_verification", "updated_at"])
        record_event(
            locked, actor, "verify_outcome" if verified else "reject_outcome", locked.status, reason
        )
        if verified:
            _pay_outcome_and_close(locked, actor)
        else:
            close_hold(
                locked,
                actor,
                "Outcome rejected by the funder: the outcome share returns to the learner.",
            )
    return locked
