"""Small helpers for driving django-allauth headless like a real client would."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import unquote

from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import (
    format_hotp_value,
    hotp_value,
    yield_hotp_counters_from_time,
)
from allauth.mfa.utils import decrypt
from django.core import mail
from django.test import Client
from rest_framework.test import APIClient


def totp_now(secret: str) -> str:
    counter = next(iter(yield_hotp_counters_from_time()))
    return format_hotp_value(hotp_value(secret, counter))


def last_email_key(kind: str = "verify-email") -> str:
    """The key in the most recent email's link, e.g. .../account/verify-email/<key>."""
    assert mail.outbox, "no email was sent"
    match = re.search(rf"/{kind}/(\S+)", str(mail.outbox[-1].body))
    assert match, mail.outbox[-1].body
    return unquote(match.group(1))


def post_json(client: Client | APIClient, url: str, data: dict[str, Any], **headers: str) -> Any:
    return client.post(url, data, content_type="application/json", headers=headers)


APP = "/_allauth/app/v1"
BROWSER = "/_allauth/browser/v1"


# One signed-in session per user per test: allauth refuses a TOTP code that was already used
# in its time window, as a real authenticator would be refused. `forget_signed_in_clients`
# (an autouse fixture in tests/conftest.py) empties this between tests.
_SIGNED_IN: dict[int, str] = {}


def forget_signed_in_clients() -> None:
    _SIGNED_IN.clear()


def client_for(user: Any, *, mfa: bool = False) -> APIClient:
    """An API client signed in as `user`.

    With `mfa`, the account gets an active TOTP authenticator (unless it has one) and the client
    signs in as people do: password at `/_allauth/app/v1/auth/login`, then the current code at
    `.../auth/2fa/authenticate`, then sends the session token as `X-Session-Token`. Provider,
    funder and staff endpoints need that second factor on the session. Without `mfa` the
    client is authenticated directly, for learner endpoints whose tests are not about signing in.
    """
    client = APIClient(REMOTE_ADDR=_address_of(user))
    if not mfa:
        client.force_authenticate(user)
        return client
    token = _SIGNED_IN.get(user.pk)
    if token is None:
        token = _SIGNED_IN[user.pk] = sign_in_with_totp(user)
    client.credentials(HTTP_X_SESSION_TOKEN=token)
    return client


def sign_in_with_totp(user: Any) -> str:
    """Password, then the current TOTP code, through allauth's app API; the session token."""
    from tests.factories import PASSWORD, give_totp

    authenticator = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    if authenticator is None:
        authenticator = give_totp(user)
    secret = decrypt(authenticator.data["secret"])
    client = APIClient(REMOTE_ADDR=_address_of(user))
    login = post_json(client, f"{APP}/auth/login", {"email": user.email, "password": PASSWORD})
    assert login.status_code == 401, (
        f"password login for {user.email} should stop at the second factor: {login.json()}"
    )
    pending = {"X-Session-Token": login.json()["meta"]["session_token"]}
    done = post_json(client, f"{APP}/auth/2fa/authenticate", {"code": totp_now(secret)}, **pending)
    assert done.status_code == 200, done.json()
    return str(done.json()["meta"]["session_token"])


def _address_of(user: Any) -> str:
    # Each person signs in from their own address, as people do: per-address rate limits
    # (allauth's `login`, DRF's anonymous throttle) count them apart.
    pk = int(user.pk)
    return f"10.{(pk >> 16) & 255}.{(pk >> 8) & 255}.{pk & 255}"
