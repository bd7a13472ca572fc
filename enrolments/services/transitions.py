"""Building blocks of every enrolment transition: row locks, state checks, events.

Lock order, everywhere: cohort row, then enrolment row, then ledger accounts (by id).
"""

from __future__ import annotations

from core.errors import Forbidden
from courses.models import Cohort, Course
from enrolments.errors import InvalidTransition
from enrolments.models import Enrolment, EnrolmentEvent
from providers.errors import ProviderNotActive
from providers.models import Provider
from users.models import User

S = Enrolment.Status


def record_event(
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
        reason=reason[:500],  # reasons quote free text; the column holds 500 characters
        amount=amount,
    )


def lock_enrolment(enrolment: Enrolment, *, cohort: bool = False) -> Enrolment:
    """Re-read the enrolment under its row lock (and its cohort's first, when asked)."""
    if cohort:
        Cohort.objects.select_for_update().get(pk=enrolment.cohort_id)
    return (
        Enrolment.objects.select_for_update(of=("self",))
        .select_related("cohort__course__provider", "programme")
        .get(pk=enrolment.pk)
    )


def require_status(enrolment: Enrolment, *allowed: str) -> None:
    if enrolment.status not in allowed:
        raise InvalidTransition(
            f"The enrolment is {enrolment.get_status_display().lower()}; this needs it to be "
            + " or ".join(S(s).label.lower() for s in allowed)
            + ".",
            status=enrolment.status,
            allowed=list(allowed),
        )


def require_learner(enrolment: Enrolment, actor: User) -> None:
    if enrolment.learner_id != actor.pk:
        raise Forbidden("Only the learner can do this.")


def require_provider_active(course: Course) -> None:
    if course.provider.status != Provider.Status.APPROVED:
        raise ProviderNotActive(provider_status=course.provider.status)
