"""Enrolment transitions: apply, offer, decline, accept (seat and escrow), withdraw, cancel.

One service per transition, each checking actor and state and recording an event; the
evidence-driven milestones are in enrolments/services/milestones.py, the money in money.py.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from core.errors import InvalidInput
from core.jobs import enqueue_on_commit
from courses.models import Cohort, Course
from enrolments.co_payments import co_payment_collection
from enrolments.errors import (
    AlreadyEnrolled,
    CohortClosed,
    InvalidTransition,
    OfferLapsed,
    ProviderStillApproved,
)
from enrolments.funding import deferral_funding
from enrolments.models import Enrolment, EnrolmentEvent, ProblemReport, Refund
from enrolments.origin import ApplicationOrigin
from enrolments.services.milestones import close_hold
from enrolments.services.money import (
    DEFAULT_SCHEDULE,
    claw_back_milestones,
    funding_programme,
    hold_funds,
    offer_terms,
    wallet_part_of,
)
from enrolments.services.transitions import (
    S,
    lock_cohort,
    lock_enrolment,
    record_event,
    require_funder_officer,
    require_learner,
    require_not_provider_member,
    require_provider_active,
    require_provider_member,
    require_status,
)
from enrolments.tasks import notify_cohort_cancelled, notify_offer
from providers.models import Provider
from providers.selectors import check_provider_member_or_staff
from users.models import User
from wallets.models import FundingProgramme
from wallets.services.pots import wallet_get_or_create

# --- Application and offers ------------------------------------------------------------------


def enrolment_apply(
    *,
    actor: User,
    cohort: Cohort,
    statement: str = "",
    origin: ApplicationOrigin | None = None,
) -> Enrolment:
    """Apply for a place; `origin` (from the HTTP request) feeds the shared-address rule."""
    with transaction.atomic():
        locked = lock_cohort(cohort.pk)
        course = locked.course
        if (
            locked.status not in (Cohort.Status.OPEN, Cohort.Status.FULL)
            or course.status != Course.Status.PUBLISHED
            or locked.application_deadline < timezone.localdate()
        ):
            raise CohortClosed(cohort_id=locked.pk, status=locked.status)
        require_provider_active(course)
        require_not_provider_member(course, actor)
        try:
            with transaction.atomic():
                enrolment = Enrolment.objects.create(
                    learner=actor,
                    cohort=locked,
                    statement=statement.strip(),
                    currency=course.currency,
                    applied_ip_hash=origin.ip_hash if origin else "",
                    applied_device_hash=origin.device_hash if origin else "",
                )
        except IntegrityError as exc:
            raise AlreadyEnrolled(cohort_id=locked.pk) from exc
        record_event(enrolment, actor, "apply", "")
    return enrolment


def _fix_offer_terms(enrolment: Enrolment) -> None:
    """An offer fixes the price and co-payment the learner sees and acceptance charges."""
    course = enrolment.cohort.course
    terms = offer_terms(wallet=wallet_get_or_create(learner=enrolment.learner), course=course)
    enrolment.price, enrolment.currency = terms.price, terms.currency
    enrolment.co_payment, enrolment.deferred_part = terms.co_payment, 0
    enrolment.wallet_part = terms.price - terms.co_payment
    enrolment.offered_at = timezone.now()
    enrolment.offer_answer_by = offer_answer_by(enrolment.cohort)


def offer_answer_by(cohort: Cohort) -> dt.date:
    """A week to answer, but never past the cohort's first session."""
    by = timezone.localdate() + dt.timedelta(days=settings.OFFER_ANSWER_DAYS)
    first = cohort.first_session or cohort.start_date
    return min(by, max(first, timezone.localdate()))


def enrolment_offer(*, actor: User, enrolment: Enrolment) -> Enrolment:
    """The provider offers a place; the offer fixes the price and the co-payment."""
    with transaction.atomic():
        locked = lock_enrolment(enrolment)
        require_provider_member(locked, actor)
        require_status(locked, S.APPLIED)
        require_provider_active(locked.cohort.course)
        require_not_provider_member(locked.cohort.course, locked.learner)
        locked.status = S.OFFERED
        _fix_offer_terms(locked)
        locked.save()
        record_event(locked, actor, "offer", S.APPLIED, amount=locked.price)
        enqueue_on_commit(notify_offer, locked.pk)
    return locked


def enrolment_decline(*, actor: User, enrolment: Enrolment, reason: str = "") -> Enrolment:
    """The provider declines an application, or the learner declines an offer or waitlist
    place. A declined offer frees its seat for the waiting list."""
    with transaction.atomic():
        locked = lock_enrolment(enrolment)
        if actor.pk == locked.learner_id:
            require_status(locked, S.OFFERED, S.WAITLISTED)
        else:
            require_provider_member(locked, actor)
            require_status(locked, S.APPLIED)
        before = locked.status
        locked.status = S.DECLINED
        locked.save(update_fields=["status", "updated_at"])
        record_event(locked, actor, "decline", before, reason)
        if before == S.OFFERED:
            cohort_offer_waitlisted(locked.cohort)
    return locked


def offers_lapse_due(*, today: dt.date | None = None) -> int:
    """Offers not answered by their date are declined and their seats offered on; returns
    how many lapsed."""
    today = today or timezone.localdate()
    count = 0
    due = Enrolment.objects.filter(status=S.OFFERED, offer_answer_by__lt=today)
    for enrolment_id in list(due.values_list("pk", flat=True)):
        with transaction.atomic():
            locked = lock_enrolment(Enrolment.objects.get(pk=enrolment_id))
            if locked.status != S.OFFERED or not (
                locked.offer_answer_by and locked.offer_answer_by < today
            ):
                continue
            locked.status = S.DECLINED
            locked.save(update_fields=["status", "updated_at"])
            record_event(
                locked,
                None,
                "offer_lapsed",
                S.OFFERED,
                f"No answer by {locked.offer_answer_by:%d %B %Y}.",
            )
            cohort_offer_waitlisted(locked.cohort)
            count += 1
    return count


def offer_freed_seats(
    sender: object,  # noqa: ARG001 (Django passes the sender by name)
    *,
    cohort: Cohort,
    **kwargs: object,
) -> None:
    """Receiver of `courses.signals.cohort_seats_freed` (the catalogue holds the cohort lock)."""
    cohort_offer_waitlisted(cohort)


def cohort_offer_waitlisted(cohort: Cohort) -> None:
    """Offer freed seats to the waiting list, first come first served. Caller locks the cohort.

    A waitlisted learner keeps the price and co-payment of the offer they accepted.
    """
    cohort.refresh_from_db(fields=["capacity", "seats_taken", "status"])
    if cohort.status not in (Cohort.Status.OPEN, Cohort.Status.FULL):
        return
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
        enrolment.offer_answer_by = offer_answer_by(cohort)
        enrolment.save(update_fields=["status", "offer_answer_by", "updated_at"])
        record_event(enrolment, None, "offer_from_waitlist", S.WAITLISTED, "A seat became free.")
        enqueue_on_commit(notify_offer, enrolment.pk)


# --- Acceptance: the seat and the money --------------------------------------------------------


def enrolment_accept(
    *, actor: User, enrolment: Enrolment, deferred_part: int = 0, idempotency_key: str | None = None
) -> Enrolment:
    """The learner accepts an offer: takes a seat and moves the wallet part into escrow.

    Charges exactly the price and co-payment the offer fixed. Locks the cohort row (seats are
    never oversold), then the enrolment, then ledger accounts. A full cohort puts the
    learner on the waiting list instead. If the wallet cannot cover its part, the learner is
    told how much is missing and nothing changes.
    """
    with transaction.atomic():
        locked = lock_enrolment(enrolment)
        cohort = locked.cohort
        require_learner(locked, actor)
        require_status(locked, S.OFFERED)
        if locked.offer_answer_by and timezone.localdate() > locked.offer_answer_by:
            raise OfferLapsed(answer_by=locked.offer_answer_by.isoformat())
        course = cohort.course
        require_provider_active(course)
        require_not_provider_member(course, actor)
        if cohort.seats_taken >= cohort.capacity:
            locked.status, locked.waitlisted_at = S.WAITLISTED, timezone.now()
            locked.save(update_fields=["status", "waitlisted_at", "updated_at"])
            record_event(
                locked, actor, "accept", S.OFFERED, "The cohort is full: on the waiting list."
            )
            return locked
        wallet = wallet_get_or_create(learner=actor)
        locked.wallet_part = wallet_part_of(locked, deferred_part)
        locked.deferred_part = deferred_part
        locked.programme = funding_programme(wallet=wallet, course=course)
        (
            locked.milestone_start_percent,
            locked.milestone_completion_percent,
            locked.milestone_outcome_percent,
        ) = milestone_schedule(locked.programme)
        hold_funds(
            actor=actor,
            enrolment=locked,
            wallet=wallet,
            course=course,
            idempotency_key=idempotency_key,
        )
        if deferred_part:
            # Funded by the programme's deferral budget under the learner's signed agreement,
            # into a deferral hold released last (the grant pays the provider first).
            deferral_funding().fund(actor=actor, enrolment=locked, amount=deferred_part)
        locked.accepted_at = timezone.now()
        collection = co_payment_collection() if locked.co_payment else None
        if collection is not None:
            # The seat and the funds are held while the learner pays the co-payment by card;
            # unpaid by `payment_due_at`, both return (enrolments/services/co_payments.py).
            locked.status = S.PAYMENT_PENDING
            locked.payment_due_at = locked.accepted_at + dt.timedelta(
                minutes=settings.CO_PAYMENT_TIMEOUT_MINUTES
            )
        else:
            locked.status = S.ACCEPTED
        locked.save()
        if collection is not None:
            collection.request(enrolment=locked)
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

# States with a seat taken and money in escrow.
HELD = (S.PAYMENT_PENDING, S.ACCEPTED, S.STARTED)


def _release_pending_payment(enrolment: Enrolment, before: str) -> None:
    """A pending card payment is no longer wanted (payments/ cancels it after commit)."""
    collection = co_payment_collection()
    if before == S.PAYMENT_PENDING and collection is not None:
        collection.release(enrolment=enrolment)


def in_cooling_off(enrolment: Enrolment, before: str) -> bool:
    """Withdrawing within the cooling-off days after acceptance, before the course starts,
    refunds the co-payment in full."""
    if before != S.ACCEPTED or not enrolment.co_payment or enrolment.accepted_at is None:
        return False
    now = timezone.now()
    ends = enrolment.accepted_at + dt.timedelta(days=settings.CO_PAYMENT_COOLING_OFF_DAYS)
    first = enrolment.cohort.first_session or enrolment.cohort.start_date
    return now <= ends and timezone.localdate(now) < first


def _free_seat(cohort: Cohort) -> None:
    Cohort.objects.filter(pk=cohort.pk).update(seats_taken=F("seats_taken") - 1)
    cohort.refresh_from_db(fields=["seats_taken", "status"])
    if cohort.status == Cohort.Status.FULL:
        Cohort.objects.filter(pk=cohort.pk).update(status=Cohort.Status.OPEN)
        cohort.status = Cohort.Status.OPEN


def enrolment_withdraw(*, actor: User, enrolment: Enrolment, reason: str = "") -> Enrolment:
    """The learner withdraws: paid milestones stay with the provider; the rest returns."""
    with transaction.atomic():
        locked = lock_enrolment(enrolment)
        cohort = locked.cohort
        require_learner(locked, actor)
        require_status(locked, S.APPLIED, S.OFFERED, S.WAITLISTED, *HELD)
        before = locked.status
        locked.status = S.WITHDRAWN
        locked.save(update_fields=["status", "updated_at"])
        record_event(locked, actor, "withdraw", before, reason)
        _release_pending_payment(locked, before)
        if in_cooling_off(locked, before):
            Refund.objects.create(
                enrolment=locked,
                amount=locked.co_payment,
                currency=locked.currency,
                reason="Co-payment refunded in full: withdrawn within the cooling-off period.",
            )
        if before in HELD:
            close_hold(locked, actor, "Withdrawn: held funds not yet paid return to the learner.")
            _free_seat(cohort)
        if before in (*HELD, S.OFFERED):
            cohort_offer_waitlisted(cohort)
    return locked


def enrolment_cancel_by_funder(*, actor: User, enrolment: Enrolment, reason: str) -> Enrolment:
    """While a provider is suspended or delisted, the funder may cancel an enrolment instead
    of waiting: what the hold still holds returns to the learner's pots (or to the programme
    for expired pots); milestones already paid stay paid; a co-payment is refunded."""
    if not reason.strip():
        raise InvalidInput("Say why the enrolment is cancelled.", fields={"reason": "Required."})
    with transaction.atomic():
        locked = lock_enrolment(enrolment)
        require_funder_officer(locked, actor)
        if locked.cohort.course.provider.status == Provider.Status.APPROVED:
            raise ProviderStillApproved()
        require_status(locked, *HELD, S.COMPLETED, S.OUTCOME_RECORDED)
        before = locked.status
        _cancel_one(locked, actor, "funder_cancelled", reason.strip(), claw_back=False)
        if before in HELD:
            _free_seat(locked.cohort)
    return locked


def _cancel_one(
    enrolment: Enrolment, actor: User, action: str, reason: str, *, claw_back: bool
) -> None:
    """Cancel a locked enrolment and settle its money (the caller holds the cohort lock)."""
    before = enrolment.status
    enrolment.status = S.CANCELLED
    # A cancelled enrolment leaves the funder's verification queue.
    if enrolment.outcome_verification == Enrolment.Verification.PENDING:
        enrolment.outcome_verification = ""
    enrolment.save(update_fields=["status", "outcome_verification", "updated_at"])
    record_event(enrolment, actor, action, before, reason)
    _release_pending_payment(enrolment, before)
    if enrolment.hold_closed_at is None and enrolment.holds.exists():
        if claw_back:
            claw_back_milestones(actor=actor, enrolment=enrolment)
        close_hold(enrolment, actor, f"Cancelled: {reason}")
    if enrolment.co_payment and before in PAID_STATES:
        Refund.objects.create(
            enrolment=enrolment,
            amount=enrolment.co_payment,
            currency=enrolment.currency,
            reason="Co-payment refunded: the enrolment was cancelled.",
        )


# States in which the learner has paid (accepted the offer and paid any co-payment).
PAID_STATES = (S.ACCEPTED, S.STARTED, S.COMPLETED, S.OUTCOME_RECORDED)


def cohort_cancel(*, actor: User, cohort: Cohort, reason: str) -> Cohort:
    """The provider cancels a cohort: every enrolment is cancelled and everything is returned,
    milestone payments and co-payments included (card refunds are recorded for the Stripe work)."""
    if not reason.strip():
        raise InvalidInput(
            "Say why the cohort is cancelled; learners are told.", fields={"reason": "Required."}
        )
    with transaction.atomic():
        locked_cohort = lock_cohort(cohort.pk)
        check_provider_member_or_staff(user=actor, provider_id=locked_cohort.course.provider_id)
        if locked_cohort.status in (Cohort.Status.CANCELLED, Cohort.Status.FINISHED):
            raise InvalidTransition(
                "This cohort is already cancelled or finished.", status=locked_cohort.status
            )
        # Everything not yet settled: finished enrolments whose hold is closed stay as they are.
        live = Enrolment.objects.filter(
            cohort=locked_cohort,
            status__in=[*Enrolment.ACTIVE, S.OUTCOME_RECORDED],
            hold_closed_at__isnull=True,
        )
        # Enrolment rows in id order, after the cohort row: the documented lock order.
        for locked in (
            live.select_for_update(of=("self",)).select_related("cohort__course").order_by("pk")
        ):
            _cancel_one(locked, actor, "cohort_cancelled", reason.strip(), claw_back=True)
        locked_cohort.status, locked_cohort.seats_taken = Cohort.Status.CANCELLED, 0
        locked_cohort.save(update_fields=["status", "seats_taken"])
        enqueue_on_commit(notify_cohort_cancelled, locked_cohort.pk, reason.strip())
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
