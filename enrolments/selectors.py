"""Reads of enrolments, each scoped to the caller: the learner's own, a provider's people's,
a funder's people's (404 outside them)."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from core.errors import Forbidden, NotFound
from enrolments.models import Enrolment, HoldDraw
from providers.models import ProviderMembership
from wallets.models import FunderMembership
from wallets.selectors import check_funder_officer

_ENROLMENT_RELATED = ("cohort__course__provider", "learner", "programme")


def enrolments_for_learner(*, user: Any) -> QuerySet[Enrolment]:
    return Enrolment.objects.filter(learner=user).select_related(*_ENROLMENT_RELATED)


def enrolment_get_for_learner(*, user: Any, enrolment_id: int) -> Enrolment:
    enrolment = enrolments_for_learner(user=user).filter(pk=enrolment_id).first()
    if enrolment is None:
        raise NotFound("Enrolment not found.")
    return enrolment


def enrolments_for_provider_member(*, user: Any) -> QuerySet[Enrolment]:
    return Enrolment.objects.filter(
        cohort__course__provider__in=ProviderMembership.objects.filter(user=user).values(
            "provider_id"
        )
    ).select_related(*_ENROLMENT_RELATED)


def enrolment_get_for_provider_member(*, user: Any, enrolment_id: int) -> Enrolment:
    enrolment = enrolments_for_provider_member(user=user).filter(pk=enrolment_id).first()
    if enrolment is None:
        raise NotFound("Enrolment not found.")
    return enrolment


def enrolments_for_funder_member(*, user: Any) -> QuerySet[Enrolment]:
    """Enrolments that money of one of the user's funders pays for: the programme whose rules
    apply, or any programme whose pot the hold drew from (two funders can share one)."""
    funders = FunderMembership.objects.filter(user=user).values("funder_id")
    drawn = HoldDraw.objects.filter(enrolment=OuterRef("pk"), pot__programme__funder__in=funders)
    return Enrolment.objects.filter(
        Q(programme__funder__in=funders) | Exists(drawn)
    ).select_related(*_ENROLMENT_RELATED)


def enrolment_get_for_funder_member(
    *, user: Any, enrolment_id: int, officer: bool = False
) -> Enrolment:
    enrolment = enrolments_for_funder_member(user=user).filter(pk=enrolment_id).first()
    if enrolment is None:
        raise NotFound("Enrolment not found.")
    if officer:
        # Officers of the funder whose programme set the rules decide; co-funders only see.
        if enrolment.programme is None:
            raise Forbidden("No funder's programme sets the rules of this enrolment.")
        check_funder_officer(user=user, funder_id=enrolment.programme.funder_id)
    return enrolment
