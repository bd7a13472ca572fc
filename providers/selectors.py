"""Reads of provider data, always scoped to the caller's memberships (404 outside them)."""

from __future__ import annotations

from typing import Any

from django.db.models import Case, CharField, QuerySet, Value, When
from django.utils import timezone

from core.errors import Forbidden, NotFound
from providers.errors import ProviderAdminRequired
from providers.models import Provider, ProviderInvitation, ProviderMembership
from users.memberships import RoleGrant


def provider_role_grants(user: Any) -> list[RoleGrant]:
    memberships = ProviderMembership.objects.filter(user=user).select_related("provider")
    return [
        RoleGrant("provider", m.provider_id, m.provider.display_name, m.role) for m in memberships
    ]


def provider_list_for_member(*, user: Any) -> QuerySet[Provider]:
    return Provider.objects.filter(memberships__user=user).distinct().order_by("legal_name", "id")


def provider_get_for_member(*, user: Any, provider_id: int, admin: bool = False) -> Provider:
    """The provider if the user is one of its people (else 404, no hint); `admin`: 403 for staff."""
    membership = (
        ProviderMembership.objects.filter(user=user, provider_id=provider_id)
        .select_related("provider")
        .first()
    )
    if membership is None:
        raise NotFound("Provider not found.")
    if admin and membership.role != ProviderMembership.Role.ADMIN:
        raise ProviderAdminRequired()
    return membership.provider


def provider_team(
    *, provider: Provider
) -> tuple[QuerySet[ProviderMembership], QuerySet[ProviderInvitation]]:
    members = provider.memberships.select_related("user").order_by("role", "user__email")
    invitations = provider.invitations.filter(accepted_at__isnull=True).order_by("email")
    return members, invitations


def membership_get_for_admin(
    *, user: Any, provider_id: int, membership_id: int
) -> ProviderMembership:
    provider_get_for_member(user=user, provider_id=provider_id, admin=True)
    membership = ProviderMembership.objects.filter(
        pk=membership_id, provider_id=provider_id
    ).first()
    if membership is None:
        raise NotFound("Team member not found.")
    return membership


def check_provider_member(*, user: Any, provider_id: int, admin: bool = False) -> None:
    """Defence in depth for services: the actor is one of the provider's people (an admin
    when `admin`). Views have already answered 404 outside the caller's memberships."""
    roles = set(
        ProviderMembership.objects.filter(user=user, provider_id=provider_id).values_list(
            "role", flat=True
        )
    )
    if not roles:
        raise Forbidden("Only the provider's own people can do this.")
    if admin and ProviderMembership.Role.ADMIN not in roles:
        raise ProviderAdminRequired()


def is_provider_member(*, user: Any, provider_id: int) -> bool:
    return ProviderMembership.objects.filter(user=user, provider_id=provider_id).exists()


def check_provider_member_or_staff(*, user: Any, provider_id: int) -> None:
    """For catalogue corrections: the provider's people, or platform staff moderating from the
    admin (which itself requires staff and a session that passed the second factor)."""
    if getattr(user, "is_staff", False):
        return
    check_provider_member(user=user, provider_id=provider_id)


def invitations_for_provider(*, provider: Provider, state: str | None = None) -> QuerySet[Any]:
    """The provider's invitations with their `state`: pending, accepted or expired."""
    now = timezone.now()
    invitations = provider.invitations.select_related("invited_by").annotate(
        state=Case(
            When(accepted_at__isnull=False, then=Value("accepted")),
            When(expires_at__lte=now, then=Value("expired")),
            default=Value("pending"),
            output_field=CharField(),
        )
    )
    return invitations.filter(state=state) if state else invitations
