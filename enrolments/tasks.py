"""Enrolment emails and daily jobs (thin tasks: the rules live in services and selectors).

Emails go out after the deciding transaction commits (`core.jobs.enqueue_on_commit`).
"""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.conf import settings

from enrolments.models import Enrolment, EnrolmentEvent, MilestonePayment
from providers.models import Provider, ProviderMembership
from users.notifications import notify

# Learners with money held for a place: accepted or started, or finished with the hold open.
HELD_STATUSES = ["accepted", "started", "completed", "outcome_recorded"]


def _enrolment_link(enrolment_id: int) -> str:
    return f"{settings.FRONTEND_URL}/api/v1/enrolments/{enrolment_id}"


def _course_context(enrolment: Enrolment) -> dict[str, object]:
    cohort = enrolment.cohort
    return {
        "course_title": cohort.course.title,
        "provider_name": cohort.course.provider.display_name,
        "start_date": cohort.start_date,
        "currency": enrolment.currency,
        "link": _enrolment_link(enrolment.pk),
    }


def _enrolment(enrolment_id: int) -> Enrolment:
    return Enrolment.objects.select_related("learner", "cohort__course__provider").get(
        pk=enrolment_id
    )


@shared_task(name="enrolments.notify_offer")
def notify_offer(enrolment_id: int) -> bool:
    enrolment = _enrolment(enrolment_id)
    if enrolment.status != Enrolment.Status.OFFERED:
        return False
    return notify(
        user=enrolment.learner,
        kind="offer_made",
        context={
            **_course_context(enrolment),
            "price": enrolment.price,
            "co_payment": enrolment.co_payment,
            "wallet_part": enrolment.wallet_part,
            "answer_by": enrolment.offer_answer_by,
        },
    )


@shared_task(name="enrolments.notify_start_to_confirm")
def notify_start_to_confirm(enrolment_id: int) -> bool:
    from enrolments.services.money import milestone_share
    from enrolments.services.starts import START_CONFIRMATION_WINDOW

    enrolment = _enrolment(enrolment_id)
    recorded = enrolment.provider_recorded_start_at
    if recorded is None or enrolment.start_confirmed_by_id is not None:
        return False
    return notify(
        user=enrolment.learner,
        kind="start_to_confirm",
        context={
            **_course_context(enrolment),
            "confirm_by": (recorded + START_CONFIRMATION_WINDOW).date(),
            "start_share": milestone_share(enrolment, "start"),
        },
    )


@shared_task(name="enrolments.notify_milestone_paid")
def notify_milestone_paid(payment_id: int) -> int:
    """Tell the provider's people that escrow paid them; returns how many were told."""
    payment = MilestonePayment.objects.select_related(
        "enrolment__learner", "enrolment__cohort__course__provider"
    ).get(pk=payment_id)
    enrolment = payment.enrolment
    provider = enrolment.cohort.course.provider
    context = {
        **_course_context(enrolment),
        "amount": payment.amount,
        "milestone": payment.get_milestone_display().lower(),
        "learner_name": enrolment.learner.get_full_name(),
        "link": f"{settings.FRONTEND_URL}/api/v1/providers/{provider.pk}/earnings",
    }
    people = ProviderMembership.objects.filter(provider=provider).select_related("user")
    return sum(notify(user=m.user, kind="milestone_paid", context=context) for m in people)


@shared_task(name="enrolments.notify_cohort_cancelled")
def notify_cohort_cancelled(cohort_id: int, reason: str) -> int:
    """Tell each learner whose place was cancelled what came back to their wallet."""
    enrolments = (
        Enrolment.objects.filter(cohort_id=cohort_id, status=Enrolment.Status.CANCELLED)
        .select_related("learner", "cohort__course__provider")
        .order_by("pk")
    )
    sent = 0
    for enrolment in enrolments:
        returned = (
            EnrolmentEvent.objects.filter(enrolment=enrolment, action="hold_returned")
            .order_by("-pk")
            .values_list("amount", flat=True)
            .first()
        )
        sent += notify(
            user=enrolment.learner,
            kind="cohort_cancelled",
            context={
                **_course_context(enrolment),
                "reason": reason,
                "returned": returned or 0,
                "co_payment": enrolment.co_payment,
            },
        )
    return sent


@shared_task(name="enrolments.notify_provider_status")
def notify_provider_status(provider_id: int, provider_status: str, reason: str) -> int:
    """Email each learner with money held on the provider's cohorts; returns how many."""
    provider = Provider.objects.get(pk=provider_id)
    enrolments = (
        Enrolment.objects.filter(
            cohort__course__provider=provider,
            status__in=HELD_STATUSES,
            hold_closed_at__isnull=True,
        )
        .select_related("learner", "cohort__course__provider")
        .order_by("pk")
    )
    sent = 0
    for enrolment in enrolments:
        sent += notify(
            user=enrolment.learner,
            kind="provider_frozen",
            context={
                **_course_context(enrolment),
                "provider_status": provider_status,
                "status_label": Provider.Status(provider_status).label.lower(),
                "reason": reason,
            },
        )
    return sent


@shared_task(name="enrolments.follow_the_calendar")
def follow_the_calendar(today: str | None = None) -> dict[str, int]:
    """Daily: lapse offers not answered in time and start records left unconfirmed for 14
    days; close outcome windows that ended with no outcome (the share returns)."""
    from enrolments.services import offers_lapse_due, outcome_windows_close_due, starts_lapse_due

    day = dt.date.fromisoformat(today) if today else None
    return {
        "offers_lapsed": offers_lapse_due(today=day),
        "starts_lapsed": starts_lapse_due(),
        "outcome_windows_closed": outcome_windows_close_due(today=day),
    }


@shared_task(name="enrolments.lapse_co_payments")
def lapse_co_payments() -> int:
    """Every minute: co-payments not paid in time release their seat and funds."""
    from enrolments.services.co_payments import co_payments_lapse_due

    return co_payments_lapse_due()
