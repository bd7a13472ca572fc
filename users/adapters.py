"""allauth adapters: the client address that allauth's rate limits count by."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    """The caller's address as the deployment trusts it, exactly as DRF's throttles see it.

    With `NUM_PROXIES = n` the address is the n-th entry from the right of
    `X-Forwarded-For` (each trusted proxy appends the address it saw); with 0, the peer
    address. Entries a client adds on the left are never used.
    """
    remote = str(request.META.get("REMOTE_ADDR") or "")
    forwarded = request.headers.get("X-Forwarded-For")
    proxies = int(settings.NUM_PROXIES)
    if proxies <= 0 or not forwarded:
        return remote
    addresses = [part.strip() for part in forwarded.split(",")]
    return addresses[-min(proxies, len(addresses))] or remote


class AccountAdapter(DefaultAccountAdapter):
    def get_client_ip(self, request: HttpRequest) -> str:
        # One definition of the client address for allauth's rate limits and DRF's throttles.
        return client_address(request) or super().get_client_ip(request)
