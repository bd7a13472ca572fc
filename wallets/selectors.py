"""Reads of funder data, always scoped to the caller's memberships (404 outside them)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from config.errors import NotFound
from users.memberships import RoleGrant
from wallets.models import Funder, FunderMembership


def funder_role_grants(user: Any) -> list[RoleGrant]:
    memberships = FunderMembership.objects.filter(user=user).select_related("funder")
    return [RoleGrant("funder", m.funder_id, m.funder.name, m.role) for m in memberships]


def funder_list_for_member(*, user: Any) -> QuerySet[Funder]:
    return Funder.objects.filter(memberships__user=user).distinct().order_by("name", "id")


def funder_get_for_member(*, user: Any, funder_id: int) -> Funder:
    funder = funder_list_for_member(user=user).filter(pk=funder_id).first()
    if funder is None:
        raise NotFound("Funder not found.")
    return funder
