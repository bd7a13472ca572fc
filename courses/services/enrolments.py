"""Enrolment transitions: one service per transition, each checking actor and state and
recording an event. Money moves in courses/services/money.py.

Lock order, everywhere: cohort row, then enrolment row, then ledger accounts (by id).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from config.errors import Forbidden, InvalidInput
from courses.errors import (
    AlreadyEnrolled,
    AttendanceMissing,
    CohortClosed,
    InvalidTransition,
    ProviderNotActive,
    StartNotConfirmed,
)
from courses.models import (
    AttendanceRecord,
    Cohort,
    Course,
    Enrolment,
    EnrolmentEvent,
    ProblemReport,
    Refund,
)
from courses.services.money import (
    DEFAULT_SCHEDULE,
    attendance_factor,
    claw_back_milestones,
    hold_funds,
    milestone_share,
    price_split,
    release_milestone,
    return_hold,
    round_money_down,
    sample_outcome,
)
from providers.models import Provider
from users.models import User
from wallets.models import FundingProgramme
from wallets.services.pots import wallet_get_or_create

S = Enrolment.Status
START_CONFIRMATION_WINDOW = dt.timedelta(days=14)


def _event(
    enrolment: Enrolment,
    actor: User | None,
    action: str,
    from_status: str,
    reason: str = "",
    amount: int | None = None,
) -> None:
    EnrolmentEvent.objects.create(
        enrolment=enrolment,
        actor=actor,
        action=action,
        from_status=from_status,
        to_status=enrolment.status,
        reason=reason,
        amount=amount,
    )


def _lock(enrolment: Enrolment, *, cohort: bool = False) -> Enrolment:
    """Re-read the enrolment under its row lock (and its cohort's first, when asked)."""
    if cohort:
        Cohort.objects.select_for_update().get(pk=enrolment.cohort_id)
    return (
        Enrolment.objects.select_for_update(of=("self",))
        .select_related("cohort__course__provider", "programme")
        .get(pk=enrolment.pk)
    )


def _require(enrolment: Enrolment, *allowed: str) -> None:
    if enrolment.status not in allowed:
        raise InvalidTransition(
            f"The enrolment is {enrolment.get_status_display().lower()}; this needs it to be "
            + " or ".join(S(s).label.lower() for s in allowed)
            + ".",
            status=enrolment.status,
            allowed=list(allowed),
        )


def _require_learner(enrolment: Enrolment, actor: User) -> None:
    if enrolment.learner_id != actor.pk:
        raise Forbidden("Only the learner can do this.")


def _require_provider_active(course: Course) -> None:
    if course.provider.status != Provider.Status.APPROVED:
        raise ProviderNotActive(provider_status=course.provider.status)


# --- Application and offers ------------------------------------------------------------------


def enrolment_apply(*, actor: User, cohort: Cohort, statement: str = "") -> Enrolment:
    with transaction.atomic(durable=True):
        locked = (
            Cohort.objects.select_for_update().select_related("course__provider").get(pk=cohort.pk)
        )
        course = locked.course
        if (
            locked.status not in (Cohort.Status.OPEN, Cohort.Status.FULL)
            or course.status != Course.Status.PUBLISHED
            or locked.application_deadline < timezone.localdate()
        ):
            raise CohortClosed(cohort_id=locked.pk, status=locked.status)
        _require_provider_active(course)
        try:
            with transaction.atomic():
                enrolment = Enrolment.objects.create(
                    learner=actor,
                    cohort=locked,
                    statement=statement.strip(),
                    currency=course.currency,
                )
        except IntegrityError as exc:
            raise AlreadyEnrolled(cohort_id=locked.pk) from exc
        _event(enrolment, actor, "apply", "")
    return enrolment


def enrolment_offer(*, actor: User, enrolment: Enrolment) -> Enrolment:
    with transaction.atomic(durable=True):
        locked = _lock(enrolment)
        _require(locked, S.APPLIED)
        _require_provider_active(locked.cohort.course)
        locked.status = S.OFFERED
        locked.save(update_fields=["status", "updated_at"])
        _event(locked, actor, "offer", S.APPLIED)
    return locked


def enrolment_decline(*, actor: User, enrolment: Enrolment, reason: str = "") -> Enrolment:
    """The provider declines an application, or the learner declines an offer or waitlist place."""
    with transaction.atomic(durable=True):
        locked = _lock(enrolment)
        if actor.pk == locked.learner_id:
            _require(locked, S.OFFERED, S.WAITLISTED)
        else:
            _require(locked, S.APPLIED)
        before = locked.status
        locked.status = S.DECLINED
        locked.save(update_fields=["status", "updated_at"])
        _event(locked, actor, "decline", before, reason)
    return locked


def cohort_offer_waitlisted(cohort: Cohort) -> None:
    """Offer freed seats to the waiting list, first come first served. Caller locks the cohort."""
    free = (
        cohort.capacity
        - cohort.seats_taken
        - Enrolment.objects.filter(cohort=cohort, status=S.OFFERED).count()
    )
    if free <= 0:
        return
    for enrolment in (
        Enrolment.objects.select_for_update()
        .filter(cohort=cohort, status=S.WAITLISTED)
        .order_by("waitlisted_at", "pk")[:free]
    ):
        enrolment.status = S.OFFERED
        enrolment.save(update_fields=["status", "updated_at"])
        _event(enrolment, None, "offer_from_waitlist", S.WAITLISTED, "A seat became free.")


# --- Acceptance: the seat and the money --------------------------------------------------------


def enrolment_accept(
    *, actor: User, enrolment: Enrolment, deferred_part: int = 0, idempotency_key: str | None = None
) -> Enrolment:
    """The learner accepts an offer: takes a seat and moves the wallet part into escrow.

    Locks the cohort row (seats are never oversold), then the enrolment, then ledger
    accounts. A full cohort puts the learner on the waiting list instead. If the wallet
    cannot cover its part, the learner is told how much is missing and nothing changes.
    """
    with transaction.atomic(durable=True):
        cohort = (
            Cohort.objects.select_for_update()
            .select_related("course__provider")
            .get(pk=enrolment.cohort_id)
        )
        locked = _lock(enrolment)
        _require_learner(locked, actor)
        _require(locked, S.OFFERED)
        course = cohort.course
        _require_provider_active(course)
        if cohort.seats_taken >= cohort.capacity:
            locked.status, locked.waitlisted_at = S.WAITLISTED, timezone.now()
            locked.save(update_fields=["status", "waitlisted_at", "updated_at"])
            _event(locked, actor, "accept", S.OFFERED, "The cohort is full: on the waiting list.")
            return locked
        wallet = wallet_get_or_create(learner=actor)
        split = price_split(wallet=wallet, course=course, deferred_part=deferred_part)
        schedule = _schedule(split.programme)
        locked.price, locked.wallet_part, locked.co_payment, locked.deferred_part = (
            split.price,
            split.wallet_part,
            split.co_payment,
            split.deferred_part,
        )
        locked.programme = split.programme
        (
            locked.milestone_start_percent,
            locked.milestone_completion_percent,
            locked.milestone_outcome_percent,
        ) = schedule
        hold_funds(
            actor=actor,
            enrolment=locked,
            wallet=wallet,
            course=course,
            idempotency_key=idempotency_key,
        )
        locked.status = S.ACCEPTED
        locked.save()
        Cohort.objects.filter(pk=cohort.pk).update(seats_taken=F("seats_taken") + 1)
        cohort.refresh_from_db(fields=["seats_taken", "capacity"])
        if cohort.seats_taken >= cohort.capacity and cohort.status == Cohort.Status.OPEN:
            Cohort.objects.filter(pk=cohort.pk).update(status=Cohort.Status.FULL)
        _event(locked, actor, "accept", S.OFFERED, amount=locked.wallet_part)
    return locked


def _schedule(programme: FundingProgramme | None) -> tuple[int, int, int]:
    if programme is None:
        return DEFAULT_SCHEDULE
    return (
        programme.milestone_start_percent,
        programme.milestone_completion_percent,
        programme.milestone_outcome_percent,
    )


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
    _event(
        enrolment,
        actor,
        "milestone_paid",
        enrolment.status,
        "Start confirmed by both sides.",
        amount,
    )


def enrolment_record_start(*, actor: User, enrolment: Enrolment) -> Enrolment:
    with transaction.atomic(durable=True):
        locked = _lock(enrolment)
        _require(locked, S.ACCEPTED, S.STARTED)
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
        _event(locked, actor, "record_start", before)
        _pay_start_if_evidenced(locked, actor)
    return locked


def enrolment_confirm_start(*, actor: User, enrolment: Enrolment) -> Enrolment:
    with transaction.atomic(durable=True):
        locked = _lock(enrolment)
        _require_learner(locked, actor)
        _require(locked, S.ACCEPTED, S.STARTED)
        if locked.learner_confirmed_start_at is None or (
            locked.provider_recorded_start_at
            and locked.learner_confirmed_start_at < locked.provider_recorded_start_at
        ):
            locked.learner_confirmed_start_at = timezone.now()
            locked.save(update_fields=["learner_confirmed_start_at", "updated_at"])
            _event(locked, actor, "confirm_start", locked.status)
        _pay_start_if_evidenced(locked, actor)
    return locked


def attendance_record(
    *, actor: User, enrolment: Enrolment, sessions: Iterable[tuple[dt.date, bool]]
) -> Enrolment:
    """Record attendance per session (date, present); a date recorded again is corrected."""
    sessions = list(sessions)
    if not sessions:
        raise InvalidInput("Send at least one session.", fields={"sessions": "Required."})
    with transaction.atomic(durable=True):
        locked = _lock(enrolment)
        _require(locked, S.STARTED)
        for day, present in sessions:
            AttendanceRecord.objects.update_or_create(
                enrolment=locked,
                session_date=day,
                defaults={"present": present, "recorded_by": actor},
            )
        records = list(locked.attendance.values_list("present", flat=True))
        locked.attendance_percent = round(100 * sum(records) / len(records))
        locked.save(update_fields=["attendance_percent", "updated_at"])
        _event(
            locked,
            actor,
            "attendance",
            locked.status,
            f"{len(sessions)} sessions; {locked.attendance_percent}% overall",
        )
    return locked


def enrolment_complete(*, actor: User, enrolment: Enrolment) -> Enrolment:
    """The provider records completion; the attendance rule scales the completion payment."""
    with transaction.atomic(durable=True):
        locked = _lock(enrolment)
        _require(locked, S.STARTED)
        if locked.learner_confirmed_start_at is None:
            raise StartNotConfirmed()
        if locked.attendance_percent is None:
            raise AttendanceMissing()
        locked.status, locked.completed_at = S.COMPLETED, timezone.now()
        locked.save(update_fields=["status", "completed_at", "updated_at"])
        share = milestone_share(locked, "completion")
        amount = round_money_down(
            share, attendance_factor(locked.programme, locked.attendance_percent)
        )
        release_milestone(actor=actor, enrolment=locked, milestone="completion", amount=amount)
        _event(
            locked, actor, "complete", S.STARTED, f"Attendance {locked.attendance_percent}%", amount
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
    with transaction.atomic(durable=True):
        locked = _lock(enrolment)
        _require(locked, S.COMPLETED)
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
        _event(
            locked,
            actor,
            "record_outcome",
            S.COMPLETED,
            f"{locked.get_outcome_display()}; {locked.outcome_verification or 'no payment'}",
        )
        if locked.outcome_verification == Enrolment.Verification.NOT_SAMPLED:
            _pay_outcome_and_close(locked, actor)
        elif outcome == Enrolment.Outcome.NONE:
            _close_hold(locked, actor, "No outcome: the outcome share returns to the learner.")
    return locked


def _pay_outcome_and_close(enrolment: Enrolment, actor: User | None) -> None:
    amount = milestone_share(enrolment, "outcome")
    release_milestone(actor=actor, enrolment=enrolment, milestone="outcome", amount=amount)
    _event(enrolment, actor, "milestone_paid", enrolment.status, "Outcome", amount)
    _close_hold(
        enrolment, actor, "Enrolment finished: what the hold still holds returns to the learner."
    )


def _close_hold(enrolment: Enrolment, actor: User | None, memo: str) -> None:
    returned = return_hold(actor=actor, enrolment=enrolment, memo=memo)
    enrolment.hold_closed_at = timezone.now()
    enrolment.save(update_fields=["hold_closed_at", "updated_at"])
    if returned:
        _event(enrolment, actor, "hold_returned", enrolment.status, memo, returned)


def outcome_verify(
    *, actor: User, enrolment: Enrolment, verified: bool, reason: str = ""
) -> Enrolment:
    """The funder checks a sampled outcome: verified pays the outcome share, rejected does not."""
    with transaction.atomic(durable=True):
        locked = _lock(enrolment)
        if locked.outcome_verification != Enrolment.Verification.PENDING:
            raise InvalidTransition(
                "This outcome is not awaiting verification.",
                verification=locked.outcome_verification,
            )
        if not verified and not reason.strip():
            raise InvalidInput("Say why the outcome is rejected.", fields={"reason": "Required."})
        locked.outcome_verification = (
            Enrolment.Verification.VERIFIED if verified else Enrolment.Verification.REJECTED
        )
        locked.save(update_fields=["outcome_verification", "updated_at"])
        _event(
            locked, actor, "verify_outcome" if verified else "reject_outcome", locked.status, reason
        )
        if verified:
            _pay_outcome_and_close(locked, actor)
        else:
            _close_hold(
                locked,
                actor,
                "Outcome rejected by the funder: the outcome share returns to the learner.",
            )
    return locked


# --- Leaving: withdrawal and cancellation ---------------------------------------------------


def enrolment_withdraw(*, actor: User, enrolment: Enrolment, reason: str = "") -> Enrolment:
    """The learner withdraws: paid milestones stay with the provider; the rest returns."""
    with transaction.atomic(durable=True):
        cohort = Cohort.objects.select_for_update().get(pk=enrolment.cohort_id)
        locked = _lock(enrolment)
        _require_learner(locked, actor)
        _require(locked, S.APPLIED, S.OFFERED, S.WAITLISTED, S.ACCEPTED, S.STARTED)
        before = locked.status
        locked.status = S.WITHDRAWN
        locked.save(update_fields=["status", "updated_at"])
        _event(locked, actor, "withdraw", before, reason)
        if before in (S.ACCEPTED, S.STARTED):
            _close_hold(locked, actor, "Withdrawn: held funds not yet paid return to the learner.")
            Cohort.objects.filter(pk=cohort.pk).update(seats_taken=F("seats_taken") - 1)
            cohort.refresh_from_db(fields=["seats_taken", "status"])
            if cohort.status == Cohort.Status.FULL:
                Cohort.objects.filter(pk=cohort.pk).update(status=Cohort.Status.OPEN)
                cohort.status = Cohort.Status.OPEN
        if before in (S.ACCEPTED, S.STARTED, S.OFFERED):
            cohort_offer_waitlisted(cohort)
    return locked


def cohort_cancel(*, actor: User, cohort: Cohort, reason: str) -> Cohort:
    """The provider cancels a cohort: every enrolment is cancelled and everything is returned,
    milestone payments and co-payments included (card refunds are recorded for the Stripe work)."""
    if not reason.strip():
        raise InvalidInput(
            "Say why the cohort is cancelled; learners are told.", fields={"reason": "Required."}
        )
    with transaction.atomic(durable=True):
        locked_cohort = Cohort.objects.select_for_update().get(pk=cohort.pk)
        if locked_cohort.status in (Cohort.Status.CANCELLED, Cohort.Status.FINISHED):
            raise InvalidTransition(
                "This cohort is already cancelled or finished.", status=locked_cohort.status
            )
        live = Enrolment.objects.filter(
            cohort=locked_cohort,
            status__in=[*Enrolment.ACTIVE, S.OUTCOME_RECORDED],
            hold_closed_at__isnull=True,
        )
        for enrolment in live.order_by("pk"):
            locked = _lock(enrolment)
            before = locked.status
            locked.status = S.CANCELLED
            locked.save(update_fields=["status", "updated_at"])
            _event(locked, actor, "cohort_cancelled", before, reason.strip())
            if locked.hold_account_id:
                claw_back_milestones(actor=actor, enrolment=locked)
                _close_hold(locked, actor, f"Cohort cancelled: {reason.strip()}")
            if locked.co_payment:
                Refund.objects.create(
                    enrolment=locked,
                    amount=locked.co_payment,
                    currency=locked.currency,
                    reason="Co-payment refunded: the cohort was cancelled.",
                )
        locked_cohort.status, locked_cohort.seats_taken = Cohort.Status.CANCELLED, 0
        locked_cohort.save(update_fields=["status", "seats_taken"])
    return locked_cohort


def enrolment_report_problem(
    *, actor: User, enrolment: Enrolment, description: str
) -> ProblemReport:
    if not description.strip():
        raise InvalidInput("Describe the problem.", fields={"description": "Required."})
    with transaction.atomic(durable=True):
        _require_learner(enrolment, actor)
        report = ProblemReport.objects.create(
            enrolment=enrolment, reported_by=actor, description=description.strip()
        )
        EnrolmentEvent.objects.create(
            enrolment=enrolment,
            actor=actor,
            action="report_problem",
            from_status=enrolment.status,
            to_status=enrolment.status,
            reason=description.strip()[:500],
        )
    return report
