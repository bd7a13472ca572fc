"""Enrolment emails and jobs (thin tasks: the rules live in services and selectors)."""

from __future__ import annotations

from celery import shared_task

from core.emails import send_templated_email
from enrolments.models import Enrolment
from enrolments.services import outcome_windows_close_due, starts_lapse_due
from providers.models import Provider

# Learners with money held for a place: accepted or started, or finished with the hold open.
HELD_STATUSES = ["accepted", "started", "completed", "outcome_recorded"]


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
        .select_related("learner", "cohort__course")
        .order_by("pk")
    )
    sent = 0
    for enrolment in enrolments:
        send_templated_email(
            to=[enrolment.learner.email],
            template="provider_frozen",
            context={
                "learner_name": enrolment.learner.get_full_name(),
                "provider_name": provider.display_name,
                "provider_status": provider_status,
                "status_label": Provider.Status(provider_status).label.lower(),
                "reason": reason,
                "course_title": enrolment.cohort.course.title,
                "enrolment_id": enrolment.pk,
            },
        )
        sent += 1
    return sent


@shared_task(name="enrolments.follow_the_calendar")
def follow_the_calendar() -> dict[str, int]:
    """Daily: lapse start records left unconfirmed for 14 days; close outcome windows that
    ended with no outcome (the outcome share returns to the learner)."""
    return {
        "starts_lapsed": starts_lapse_due(),
        "outcome_windows_closed": outcome_windows_close_due(),
    }
