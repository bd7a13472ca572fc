"""The membership pattern: a user holds a role in an organisation (a provider or a funder).

Apps to the right of `users` define concrete memberships (`ProviderMembership` in
providers/, `FunderMembership` in wallets/) on `MembershipBase`, and register a role
source so that `users` can list a person's roles without importing those apps.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import models


class MembershipBase(models.Model):
    """A user's role in one organisation. Concrete subclasses add the organisation FK."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="%(class)ss"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True


@dataclass(frozen=True)
class RoleGrant:
    """One role a user holds, as shown by `/api/v1/me`."""

    kind: str  # "provider" or "funder"
    organisation_id: int
    organisation_name: str
    role: str  # e.g. "admin", "staff", "officer", "auditor"

    @property
    def name(self) -> str:
        return f"{self.kind}_{self.role}"


_role_sources: list[Callable[..., list[RoleGrant]]] = []


def register_role_source(source: Callable[..., list[RoleGrant]]) -> None:
    """Called from an app's `ready()`; `source(user)` returns that app's grants for a user."""
    if source not in _role_sources:
        _role_sources.append(source)


def role_grants_for(user: object) -> list[RoleGrant]:
    grants: list[RoleGrant] = []
    for source in _role_sources:
        grants.extend(source(user))
    return grants
