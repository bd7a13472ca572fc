"""Building blocks of every enrolment transition: row locks, state and actor checks, events.

Lock order, everywhere: cohort row, then enrolment row(s) (by id), then wallet pot rows (by
id), then ledger accounts (by id, inside `ledger_post`). Every transition starts with
`lock_enrolment`, which takes the cohort first: two transitions on one cohort queue behind
each other instead of deadlocking (a learner confirming a start while the provider cancels
the cohort once deadlocked every time).
"""

from __future__ import annotations

from core import audit
from core.errors import Forbidden
from courses.models import Cohort, Course
from enrolments.errors import InvalidTransition, ProviderMemberCannotEnrol
from enrolments.models import Enrolment, EnrolmentEvent
from providers.selectors import check_provider_member, is_provider_member
from providers.services import require_provider_approved
from users.models import User
from wallets.selectors import check_funder_officer

S = Enrolment.Status


def record_event(
    enrolment: Enrolment,
    actor: User | None,
    action: str,
    from_status: str,
    reason: str = "",
    amount: int | None = None,
    detail: dict[str, object] | None = None,
) -> None:
    """Keep the event on the enrolment and in the audit trail (core.audit), in the caller's
    transaction: every transition, milestone and outcome decision goes through here."""
    EnrolmentEvent.objects.create(
        enrolment=enrolment,
        actor=actor,
        action=action,
        from_status=from_status,
        to_status=enrolment.status,
        reason=reason[:500],  # reasons quote free text; the column holds 500 characters
        amount=amount,
        detail=detail or {},
    )
    programme = enrolment.programme
    audit.record(
        actor=actor,
        action=f"enrolment.{action}",
        obj=enrolment,
        before={"status": from_status},
        after={
            "status": enrolment.status,
            **({"reason": reason[:500]} if reason else {}),
            **({"amount": amount} if amount is not None else {}),
            **(detail or {}),
        },
        funder_id=programme.funder_id if programme else None,
        programme_id=programme.pk if programme else None,
    )


def lock_cohort(cohort_id: int) -> Cohort:
    return (
        Cohort.objects.select_for_update(of=("self",))
        .select_related("course__provider")
        .get(pk=cohort_id)
    )


def lock_enrolment(enrolment: Enrolment) -> Enrolment:
    """Re-read the enrolment under its row lock, its cohort's row locked first (the order)."""
    lock_cohort(enrolment.cohort_id)
    return (
        Enrolment.objects.select_for_update(of=("self",))
        .select_related("cohort__course__provider", "programme", "learner")
        .get(pk=enrolment.pk)
    )


def lock_for_provider(enrolment: Enrolment, actor: User) -> Enrolment:
    """Lock as `lock_enrolment`; the actor is one of the provider's people and the provider
    is approved (a frozen provider's milestones are neither recorded nor paid)."""
    locked = lock_enrolment(enrolment)
    require_provider_member(locked, actor)
    require_provider_active(locked.cohort.course)
    return locked


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
    """A provider that is not approved is frozen: no milestone is recorded or paid, by anyone."""
    require_provider_approved(course.provider)


def require_provider_member(enrolment: Enrolment, actor: User) -> None:
    check_provider_member(user=actor, provider_id=enrolment.cohort.course.provider_id)


def require_funder_officer(enrolment: Enrolment, actor: User) -> None:
    """An officer of the funder whose programme set this enrolment's rules."""
    if enrolment.programme is None:
        raise Forbidden("No funder's programme pays for this enrolment.")
    check_funder_officer(user=actor, funder_id=enrolment.programme.funder_id)


def require_not_provider_member(course: Course, learner: User) -> None:
    """Nobody sits on both sides of the money: a provider's people do not enrol on its cohorts."""
    if is_provider_member(user=learner, provider_id=course.provider_id):
        raise ProviderMemberCannotEnrol()
