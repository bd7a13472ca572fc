"""Where an application came from, kept as keyed hashes for the anomaly rules.

The "many enrolments from one address or device" rule (docs/audit-controls.md) compares
applications' client addresses and devices. We keep HMAC-SHA256 hashes keyed with
SECRET_KEY, never the address: equal inputs give equal hashes, and without the key the
hash cannot be reversed by trying every IPv4 address.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest

from users.adapters import client_address


@dataclass(frozen=True)
class ApplicationOrigin:
    ip_hash: str
    device_hash: str


def _keyed(text: str) -> str:
    key = f"application-origin:{settings.SECRET_KEY}".encode()
    return hmac.new(key, text.encode(), hashlib.sha256).hexdigest()


def application_origin(request: HttpRequest) -> ApplicationOrigin:
    """The keyed hashes of the client's address and of address + user agent (the device)."""
    address = client_address(request)
    agent = request.headers.get("User-Agent", "")[:500]
    if not address:
        return ApplicationOrigin("", "")
    return ApplicationOrigin(_keyed(f"ip:{address}"), _keyed(f"device:{address}|{agent}"))
