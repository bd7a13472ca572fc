"""Enrolment transitions: apply, offer, decline, accept (seat and escrow), withdraw, cancel.

One service per transition, each checking actor and state and recording an event; the
evidence-driven milestones are in enrolments/services/milestones.py, the money in money.py.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from core.errors import InvalidInput
from courses.models import Cohort, Course
from enrolments.errors import AlreadyEnrolled, CohortClosed, InvalidTransition
from enrolments.models import Enrolment, EnrolmentEvent, ProblemReport, Refund
from enrolments.services.milestones import close_hold
from enrolments.services.money import (
    DEFAULT_SCHEDULE,
    claw_back_milestones,
    hold_funds,
    price_split,
)
from enrolments.services.transitions import (
    S,
    lock_enrolment,
    record_event,
    require_learner,
    require_provider_active,
    require_status,
)
from users.models import User
from wallets.models import FundingProgramme
from wallets.services.pots import wallet_get_or_create

# --- Application and offers ------------------------------------------------------------------


def enrolment_apply(*, actor: User, cohort: Cohort, statement: str = "") -> Enrolment:
    with transaction.atomic():
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
        require_provider_active(course)
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
        record_event(enrolment, actor, "apply", "")
    return enrolment


def enrolment_offer(*, actor: User, enrolment: Enrolment) -> Enrolment:
    with transaction.atomic():
        locked = lock_enrolment(enrolment)
        require_status(locked, S.APPLIED)
        require_provider_active(locked.cohort.course)
        locked.status = S.OFFERED
        locked.save(update_fields=["status", "updated_at"])
        record_event(locked, actor, "offer", S.APPLIED)
    return locked


def enrolment_decline(*, actor: User, enrolment: Enrolment, reason: str = "") -> Enrolment:
    """The provider declines an application, or the learner declines an offer or waitlist place."""
    with transaction.atomic():
        locked = lock_enrolment(enrolment)
        if actor.pk == locked.learner_id:
            require_status(locked, S.OFFERED, S.WAITLISTED)
        else:
            require_status(locked, S.APPLIED)
        before = locked.status
        locked.status = S.DECLINED
        locked.save(update_fields=["status", "updated_at"])
        record_event(locked, actor, "decline", before, reason)
    return locked


def offer_freed_seats(sender: object, *, cohort: Cohort, **kwargs: object) -> None:
    """Receiver of `courses.signals.cohort_seats_freed` (the catalogue holds the cohort lock)."""
    cohort_offer_waitlisted(cohort)


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
        record_event(enrolment, None, "offer_from_waitlist", S.WAITLISTED, "A seat became free.")


# --- Acceptance: the seat and the money --------------------------------------------------------


def enrolment_accept(
    *, actor: User, enrolment: Enrolment, deferred_part: int = 0, idempotency_key: str | None = None
) -> Enrolment:
    """The learner accepts an offer: takes a seat and moves the wallet part into escrow.

    Locks the cohort row (seats are never oversold), then the enrolment, then ledger
    accounts. A full cohort puts the learner on the waiting list instead. If the wallet
    cannot cover its part, the learner is told how much is missing and nothing changes.
    """
    with transaction.atomic():
        cohort = (
            Cohort.objects.select_for_update()
            .select_related("course__provider")
            .get(pk=enrolment.cohort_id)
        )
        locked = lock_enrolment(enrolment)
        require_learner(locked, actor)
        require_status(locked, S.OFFERED)
        course = cohort.course
        require_provider_active(course)
        if cohort.seats_taken >= cohort.capacity:
            locked.status, locked.waitlisted_at = S.WAITLISTED, timezone.now()
            locked.save(update_fields=["status", "waitlisted_at", "updated_at"])
            record_event(
                locked, actor, "accept", S.OFFERED, "The cohort is full: on the waiting list."
            )
            return locked
        wallet = wallet_get_or_create(learner=actor)
        split = price_split(wallet=wallet, course=course, deferred_part=deferred_part)
        schedule = milestone_schedule(split.programme)
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
        record_event(locked, actor, "accept", S.OFFERED, amount=locked.wallet_part)
    return locked


def milestone_schedule(programme: FundingProgramme | None) -> tuple[int, int, int]:
    if programme is None:
        return DEFAULT_SCHEDULE
    return (
        programme.milestone_start_percent,
        programme.milestone_completion_percent,
        programme.milestone_outcome_percent,
    )


# --- Leaving: withdrawal and cancellation ---------------------------------------------------


def enrolment_withdraw(*, actor: User, enrolment: Enrolment, reason: str = "") -> Enrolment:
    """The learner withdraws: paid milestones stay with the provider; the rest returns."""
    with transaction.atomic():
        cohort = Cohort.objects.select_for_update().get(pk=enrolment.cohort_id)
        locked = lock_enrolment(enrolment)
        require_learner(locked, actor)
        require_status(locked, S.APPLIED, S.OFFERED, S.WAITLISTED, S.ACCEPTED, S.STARTED)
        before = locked.status
        locked.status = S.WITHDRAWN
        locked.save(update_fields=["status", "updated_at"])
        record_event(locked, actor, "withdraw", before, reason)
        if before in (S.ACCEPTED, S.STARTED):
            close_hold(locked, actor, "Withdrawn: held funds not yet paid return to the learner.")
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
    with transaction.atomic():
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
            locked = lock_enrolment(enrolment)
            before = locked.status
            locked.status = S.CANCELLED
            locked.save(update_fields=["status", "updated_at"])
            record_event(locked, actor, "cohort_cancelled", before, reason.strip())
            if locked.hold_account_id:
                claw_back_milestones(actor=actor, enrolment=locked)
                close_hold(locked, actor, f"Cohort cancelled: {reason.strip()}")
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
    with transaction.atomic():
        require_learner(enrolment, actor)
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
