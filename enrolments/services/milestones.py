"""Milestones on evidence: start (provider records, learner confirms), attendance,
completion (attendance rule), outcome (sampled ones verified by the funder), and closing
the hold when an enrolment is finished.

Every service here locks the cohort, then the enrolment (`lock_enrolment`), checks who is
acting and that the provider is approved: a suspended provider's milestones are neither
recorded nor paid, by anyone's action, until it is reinstated; the money stays held.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from core.errors import InvalidInput
from enrolments.errors import AttendanceMissing, InvalidTransition, StartNotConfirmed
from enrolments.models import AttendanceRecord, Enrolment
from enrolments.services.money import (
    completion_amount,
    milestone_share,
    release_milestone,
    return_hold,
    sample_outcome,
)
from enrolments.services.transitions import (
    S,
    lock_enrolment,
    record_event,
    require_funder_officer,
    require_learner,
    require_provider_active,
    require_provider_member,
    require_status,
)
from users.models import User

START_CONFIRMATION_WINDOW = dt.timedelta(days=14)


# --- Start, attendance, completion, outcome ----------------------------------------------------


def _pay_start_if_evidenced(enrolment: Enrolment, actor: User | None) -> None:
    """Start pays when the provider recorded it and the learner confirmed within 14 days."""
    recorded, confirmed = enrolment.provider_recorded_start_at, enrolment.learner_confirmed_start_at
    if (
        recorded is None
        or confirmed is None
        or enrolment.milestone_payments.filter(milestone="start").exists()
    ):
        return
    if confirmed - recorded > START_CONFIRMATION_WINDOW:
        return  # the provider's record lapsed unconfirmed; they record the start again
    amount = milestone_share(enrolment, "start")
    release_milestone(actor=actor, enrolment=enrolment, milestone="start", amount=amount)
    record_event(
        enrolment,
        actor,
        "milestone_paid",
        enrolment.status,
        "Start confirmed by both sides.",
        amount,
    )


def _lock_for_provider(enrolment: Enrolment, actor: User) -> Enrolment:
    locked = lock_enrolment(enrolment)
    require_provider_member(locked, actor)
    require_provider_active(locked.cohort.course)
    return locked


def enrolment_record_start(*, actor: User, enrolment: Enrolment) -> Enrolment:
    with transaction.atomic():
        locked = _lock_for_provider(enrolment, actor)
        require_status(locked, S.ACCEPTED, S.STARTED)
        before = locked.status
        locked.status, locked.provider_recorded_start_at = S.STARTED, timezone.now()
        if (
            locked.learner_confirmed_start_at
            and locked.learner_confirmed_start_at < locked.provider_recorded_start_at
        ):
            # A confirmation given before this record confirms it now.
            locked.learner_confirmed_start_at = locked.provider_recorded_start_at
        locked.save(
            update_fields=[
                "status",
                "provider_recorded_start_at",
                "learner_confirmed_start_at",
                "updated_at",
            ]
        )
        record_event(locked, actor, "record_start", before)
        _pay_start_if_evidenced(locked, actor)
    return locked


def enrolment_confirm_start(*, actor: User, enrolment: Enrolment) -> Enrolment:
    with transaction.atomic():
        locked = lock_enrolment(enrolment)
        require_learner(locked, actor)
        require_provider_active(locked.cohort.course)
        require_status(locked, S.ACCEPTED, S.STARTED)
        if locked.learner_confirmed_start_at is None or (
            locked.provider_recorded_start_at
            and locked.learner_confirmed_start_at < locked.provider_recorded_start_at
        ):
            locked.learner_confirmed_start_at = timezone.now()
            locked.save(update_fields=["learner_confirmed_start_at", "updated_at"])
            record_event(locked, actor, "confirm_start", locked.status)
        _pay_start_if_evidenced(locked, actor)
    return locked


def attendance_record(
    *, actor: User, enrolment: Enrolment, sessions: Iterable[tuple[dt.date, bool]]
) -> Enrolment:
    """Record attendance per session (date, present); a date recorded again is corrected."""
    sessions = list(sessions)
    if not sessions:
        raise InvalidInput("Send at least one session.", fields={"sessions": "Required."})
    with transaction.atomic():
        locked = _lock_for_provider(enrolment, actor)
        require_status(locked, S.STARTED)
        for day, present in sessions:
            AttendanceRecord.objects.update_or_create(
                enrolment=locked,
                session_date=day,
                defaults={"present": present, "recorded_by": actor},
            )
        records = list(locked.attendance.values_list("present", flat=True))
        locked.attendance_present, locked.attendance_planned = sum(records), len(records)
        locked.attendance_percent = 100 * locked.attendance_present // locked.attendance_planned
        locked.save(
            update_fields=[
                "attendance_present",
                "attendance_planned",
                "attendance_percent",
                "updated_at",
            ]
        )
        record_event(
            locked,
            actor,
            "attendance",
            locked.status,
            f"{len(sessions)} sessions; present at {locked.attendance_present} of "
            f"{locked.attendance_planned}",
        )
    return locked


def enrolment_complete(*, actor: User, enrolment: Enrolment) -> Enrolment:
    """The provider records completion; the attendance rule scales the completion payment."""
    with transaction.atomic():
        locked = _lock_for_provider(enrolment, actor)
        require_status(locked, S.STARTED)
        if locked.learner_confirmed_start_at is None:
            raise StartNotConfirmed()
        if not locked.attendance_planned:
            raise AttendanceMissing()
        locked.status, locked.completed_at = S.COMPLETED, timezone.now()
        locked.save(update_fields=["status", "completed_at", "updated_at"])
        amount = completion_amount(
            share=milestone_share(locked, "completion"),
            programme=locked.programme,
            present=locked.attendance_present or 0,
            planned=locked.attendance_planned,
        )
        release_milestone(actor=actor, enrolment=locked, milestone="completion", amount=amount)
        record_event(
            locked,
            actor,
            "complete",
            S.STARTED,
            f"Attended {locked.attendance_present} of {locked.attendance_planned} sessions",
            amount,
        )
    return locked


def enrolment_record_outcome(
    *, actor: User, enrolment: Enrolment, outcome: str, evidence: str
) -> Enrolment:
    """Record the outcome: sampled ones wait for the funder, others pay now, `none` pays nothing."""
    if outcome not in Enrolment.Outcome.values:
        raise InvalidInput(
            "Unknown outcome.", fields={"outcome": f"One of {', '.join(Enrolment.Outcome.values)}."}
        )
    if outcome != Enrolment.Outcome.NONE and not evidence.strip():
        raise InvalidInput(
            "Describe the evidence for this outcome.", fields={"evidence": "Required."}
        )
    with transaction.atomic():
        locked = _lock_for_provider(enrolment, actor)
        require_status(locked, S.COMPLETED)
        locked.status, locked.outcome, locked.outcome_evidence = (
            S.OUTCOME_RECORDED,
            outcome,
            evidence.strip(),
        )
        rate = locked.programme.outcome_sample_rate if locked.programme else 0
        if outcome == Enrolment.Outcome.NONE:
            locked.outcome_verification = ""
        elif sample_outcome(locked, rate):  # type: ignore[arg-type]
            locked.outcome_verification = Enrolment.Verification.PENDING
        else:
            locked.outcome_verification = Enrolment.Verification.NOT_SAMPLED
        locked.save(
            update_fields=[
                "status",
                "outcome",
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
        )
        if locked.outcome_verification == Enrolment.Verification.NOT_SAMPLED:
            _pay_outcome_and_close(locked, actor)
        elif outcome == Enrolment.Outcome.NONE:
            close_hold(locked, actor, "No outcome: the outcome share returns to the learner.")
    return locked


def _pay_outcome_and_close(enrolment: Enrolment, actor: User | None) -> None:
    amount = milestone_share(enrolment, "outcome")
    release_milestone(actor=actor, enrolment=enrolment, milestone="outcome", amount=amount)
    record_event(enrolment, actor, "milestone_paid", enrolment.status, "Outcome", amount)
    close_hold(
        enrolment, actor, "Enrolment finished: what the hold still holds returns to the learner."
    )


def close_hold(enrolment: Enrolment, actor: User | None, memo: str) -> None:
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
