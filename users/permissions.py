"""Permission helpers: who needs MFA, whether this session passed it, and the DRF permission
that role-scoped APIs use.

Scoping to an organisation happens in each app's selectors (`*_get_for_member`), which
answer 404 for anything outside the caller's memberships.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from allauth.account.internal.flows.login import get_authentication_records
from allauth.mfa.models import Authenticator
from django.contrib.sessions.backends.base import SessionBase
from django.http import HttpRequest
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from users.errors import MFARequired, MFASessionRequired
from users.memberships import role_grants_for


def user_has_mfa(user: Any) -> bool:
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def user_requires_mfa(user: Any) -> bool:
    """Platform staff and anyone with a provider or funder role must use MFA."""
    if not user.is_authenticated:
        return False
    return bool(user.is_staff or role_grants_for(user))


def _session_of(request: HttpRequest | Request) -> SessionBase | None:
    """The session the caller is signed in with.

    With allauth's app token (`X-Session-Token`) DRF puts that token's session in
    `request.auth`; a browser's session is `request.session`.
    """
    auth = getattr(request, "auth", None)
    if isinstance(auth, SessionBase):
        return auth
    session = getattr(request, "session", None)
    return session if isinstance(session, SessionBase) else None


def session_passed_mfa(request: HttpRequest | Request) -> bool:
    """Whether this session completed a second factor for its signed-in user.

    allauth records every authentication step on the session (password, mfa, ...), for the
    user who took it; a record of another user, or of a password alone, does not count.
    """
    user = getattr(request, "user", None)
    session = _session_of(request)
    if user is None or not user.is_authenticated or session is None:
        return False
    records = get_authentication_records(SimpleNamespace(session=session), user)
    return any(record.get("method") == "mfa" for record in records)


def check_role_mfa(request: HttpRequest | Request) -> None:
    """THE check for role access (provider, funder, staff): the account has an authenticator
    and this session passed it. Raises `MFARequired` or `MFASessionRequired`."""
    user = request.user
    if not user_requires_mfa(user):
        return
    if not user_has_mfa(user):
        raise MFARequired()
    if not session_passed_mfa(request):
        raise MFASessionRequired()


def role_access_allowed(request: HttpRequest | Request) -> bool:
    """`check_role_mfa` as a yes/no, for places that answer with a page (the admin)."""
    try:
        check_role_mfa(request)
    except (MFARequired, MFASessionRequired):
        return False
    return True


class HasRoleMFA(BasePermission):
    """For provider, funder and staff endpoints: signed in, an authenticator on the account,
    and a second factor passed by this very session (`check_role_mfa`)."""

    def has_permission(self, request: Request, view: Any) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        check_role_mfa(request)
        return True
