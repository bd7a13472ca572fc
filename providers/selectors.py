"""Reads of provider data, always scoped to the caller's memberships (404 outside them)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from config.errors import NotFound
from providers.models import Provider, ProviderMembership
from users.memberships import RoleGrant


def provider_role_grants(user: Any) -> list[RoleGrant]:
    memberships = ProviderMembership.objects.filter(user=user).select_related("provider")
    return [
        RoleGrant("provider", m.provider_id, m.provider.display_name, m.role) for m in memberships
    ]


def provider_list_for_member(*, user: Any) -> QuerySet[Provider]:
    return Provider.objects.filter(memberships__user=user).distinct().order_by("legal_name", "id")


def provider_get_for_member(*, user: Any, provider_id: int) -> Provider:
    """The provider if the user is one of its people; otherwise NotFound, never a hint."""
    provider = provider_list_for_member(user=user).filter(pk=provider_id).first()
    if provider is None:
        raise NotFound("Provider not found.")
    return provider
