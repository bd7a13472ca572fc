"""Small helpers for driving django-allauth headless like a real client would."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import unquote

from allauth.mfa.totp.internal.auth import (
    format_hotp_value,
    hotp_value,
    yield_hotp_counters_from_time,
)
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


def client_for(user: Any, *, mfa: bool = False) -> APIClient:
    """An API client signed in as `user`; `mfa` gives the account an active TOTP first
    (provider, funder and staff endpoints refuse accounts without one)."""
    if mfa:
        from tests.factories import give_totp

        give_totp(user)
    client = APIClient()
    client.force_authenticate(user)
    return client
