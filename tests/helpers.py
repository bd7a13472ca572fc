"""Small helpers for driving django-allauth headless like a real client would."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import unquote

import time_machine
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import (
    format_hotp_value,
    hotp_value,
    yield_hotp_counters_from_time,
)
from allauth.mfa.utils import decrypt
from django.core import mail
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient


@contextmanager
def clock_stopped() -> Iterator[None]:
    """Time stands still inside: a code read with `totp_now` is still current when allauth
    checks it (no 30-second window turns over in between)."""
    with time_machine.travel(time.time(), tick=False):
        yield


def totp_now(secret: str) -> str:
    counter = next(iter(yield_hotp_counters_from_time()))
    return format_hotp_value(hotp_value(secret, counter))


def last_email_key(kind: str = "confirm-email") -> str:
    """The key in the most recent email's link, e.g. .../accounts/confirm-email/<key>/."""
    assert mail.outbox, "no email was sent"
    match = re.search(rf"/{kind}/([^/\s]+)/?", str(mail.outbox[-1].body))
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
_USED_WINDOWS: set[tuple[int, int]] = set()


def forget_signed_in_clients() -> None:
    _SIGNED_IN.clear()
    _USED_WINDOWS.clear()


def second_factor_code(user: Any) -> str:
    """The code a person would type: the authenticator app's, or, when that code was already
    used in this time window (allauth refuses it again), one of their recovery codes."""
    authenticator = _ensure_totp(user)
    window = (int(user.pk), _current_window())
    if window not in _USED_WINDOWS:
        _USED_WINDOWS.add(window)
        return totp_now(decrypt(authenticator.data["secret"]))
    codes = Authenticator.objects.filter(user=user, type=Authenticator.Type.RECOVERY_CODES).first()
    recovery = RecoveryCodes(codes) if codes else RecoveryCodes.activate(user)
    return recovery.get_unused_codes()[0]


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
    from tests.factories import PASSWORD

    _ensure_totp(user)
    client = APIClient(REMOTE_ADDR=_address_of(user))
    login = post_json(client, f"{APP}/auth/login", {"email": user.email, "password": PASSWORD})
    assert login.status_code == 401, (
        f"password login for {user.email} should stop at the second factor: {login.json()}"
    )
    pending = {"X-Session-Token": login.json()["meta"]["session_token"]}
    done = _pass_second_factor(
        user,
        lambda code: post_json(client, f"{APP}/auth/2fa/authenticate", {"code": code}, **pending),
        passed=lambda response: response.status_code == 200,
    )
    assert done.status_code == 200, done.json()
    return str(done.json()["meta"]["session_token"])


def admin_client_for(user: Any) -> Client:
    """A browser signed in through allauth's own pages (as the admin requires): the password
    at /accounts/login/, then the second factor at /accounts/2fa/authenticate/."""
    from tests.factories import PASSWORD

    _ensure_totp(user)
    client = Client(REMOTE_ADDR=_address_of(user))
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302, response.content
    assert response["Location"] == reverse("mfa_authenticate"), response["Location"]
    response = _pass_second_factor(
        user,
        lambda code: client.post(reverse("mfa_authenticate"), {"code": code}),
        passed=lambda response: response.status_code == 302,
    )
    assert response.status_code == 302, response.content
    return client


def _pass_second_factor(
    user: Any, submit: Callable[[str], Any], *, passed: Callable[[Any], bool]
) -> Any:
    """Submit the current code; if the 30-second window turned over between reading the code
    and allauth checking it (allauth allows no drift), type the new one, as a person would."""
    window = _current_window()
    response = submit(second_factor_code(user))
    if not passed(response) and _current_window() != window:
        response = submit(second_factor_code(user))
    return response


def _ensure_totp(user: Any) -> Authenticator:
    from tests.factories import give_totp

    authenticator = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    return authenticator or give_totp(user)


def _current_window() -> int:
    return int(next(iter(yield_hotp_counters_from_time())))


def _address_of(user: Any) -> str:
    # Each person signs in from their own address, as people do: per-address rate limits
    # (allauth's `login`, DRF's anonymous throttle) count them apart.
    pk = int(user.pk)
    return f"10.{(pk >> 16) & 255}.{(pk >> 8) & 255}.{pk & 255}"
