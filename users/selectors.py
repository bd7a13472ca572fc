"""Reads about the signed-in user: profile, roles, memberships, MFA state."""

from __future__ import annotations

from dataclasses import dataclass

from allauth.account.models import EmailAddress

from users.memberships import RoleGrant, role_grants_for
from users.models import User
from users.permissions import user_has_mfa, user_requires_mfa


@dataclass(frozen=True)
class MeView:
    user: User
    email_verified: bool
    mfa_enabled: bool
    mfa_required: bool
    session_mfa_verified: bool
    roles: list[str]
    memberships: list[RoleGrant]


def me_get(*, user: User, session_mfa_verified: bool = False) -> MeView:
    """`session_mfa_verified`: whether the caller's session passed the second factor."""
    grants = role_grants_for(user)
    roles = ["learner"]
    roles.extend(sorted({grant.name for grant in grants}))
    if user.is_staff:
        roles.append("platform_staff")
    return MeView(
        user=user,
        email_verified=EmailAddress.objects.filter(user=user, verified=True, primary=True).exists(),
        mfa_enabled=user_has_mfa(user),
        mfa_required=user_requires_mfa(user),
        session_mfa_verified=session_mfa_verified,
        roles=roles,
        memberships=grants,
    )
