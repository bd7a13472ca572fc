"""Permission helpers: who needs MFA, and the DRF permission that role-scoped APIs use.

Scoping to an organisation happens in each app's selectors (`*_get_for_member`), which
answer 404 for anything outside the caller's memberships.
"""

from __future__ import annotations

from typing import Any

from allauth.mfa.models import Authenticator
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from users.errors import MFARequired
from users.memberships import role_grants_for


def user_has_mfa(user: Any) -> bool:
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def user_requires_mfa(user: Any) -> bool:
    """Platform staff and anyone with a provider or funder role must use MFA."""
    if not user.is_authenticated:
        return False
    return bool(user.is_staff or role_grants_for(user))


def check_mfa_for_role(user: Any) -> None:
    if user_requires_mfa(user) and not user_has_mfa(user):
        raise MFARequired()


class HasRoleMFA(BasePermission):
    """For provider, funder and staff endpoints: authenticated, and MFA active on the account.

    allauth makes every login of an account with an active authenticator pass the second
    factor, so "MFA active" means every session of this user was second-factor checked.
    """

    def has_permission(self, request: Request, view: Any) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        check_mfa_for_role(request.user)
        return True
