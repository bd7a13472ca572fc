"""Stripe Connect through the official SDK: Express accounts, account links and transfers.

Every call carries an idempotency key derived from our own record (`f"{kind}-{id}-{attempt}"`,
see `idempotency_key`), so a retry after a timeout gets Stripe's first answer instead of a
second transfer. Nothing here touches the database; callers make the call after their
transaction has committed (record the intent, commit, call, record the result).

`get_connect_gateway()` returns the gateway the services use: the SDK-backed one, or the one
a test installed with `use_connect_gateway` (localstripe has no Connect, so tests use a
recording fake with this interface).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol

import stripe
from django.conf import settings

# One set of errors for the whole gateway: a timeout may have happened (retry with the same
# key, never record it as failed); any other GatewayError did not happen.
from payments.gateway.core import GatewayError, GatewayTimeout


@dataclass(frozen=True)
class ConnectAccount:
    id: str
    payouts_enabled: bool
    details_submitted: bool


@dataclass(frozen=True)
class AccountLink:
    url: str
    expires_at: dt.datetime


@dataclass(frozen=True)
class Transfer:
    id: str
    amount: int
    currency: str  # upper case, as we store currencies
    destination: str
    transfer_group: str
    amount_reversed: int
    reversed: bool
    created: dt.datetime
    metadata: dict[str, str] = field(default_factory=dict)


class ConnectGateway(Protocol):
    def create_account(
        self, *, email: str, country: str, metadata: dict[str, str], idempotency_key: str
    ) -> ConnectAccount: ...

    def create_account_link(
        self, *, account_id: str, refresh_url: str, return_url: str, idempotency_key: str
    ) -> AccountLink: ...

    def retrieve_account(self, account_id: str) -> ConnectAccount: ...

    def create_transfer(
        self,
        *,
        amount: int,
        currency: str,
        destination: str,
        transfer_group: str,
        metadata: dict[str, str],
        idempotency_key: str,
    ) -> Transfer: ...

    def retrieve_transfer(self, transfer_id: str) -> Transfer: ...

    def list_transfers(
        self, *, since: dt.datetime | None = None, transfer_group: str | None = None
    ) -> list[Transfer]: ...


def account_from_stripe(obj: Mapping[str, Any]) -> ConnectAccount:
    """An account from its JSON (an API answer or an event's object)."""
    return ConnectAccount(
        id=str(obj["id"]),
        payouts_enabled=bool(obj.get("payouts_enabled")),
        details_submitted=bool(obj.get("details_submitted")),
    )


def transfer_from_stripe(obj: Mapping[str, Any]) -> Transfer:
    """A transfer from its JSON (an API answer or an event's object)."""
    metadata = obj.get("metadata") or {}
    return Transfer(
        id=str(obj["id"]),
        amount=int(obj["amount"]),
        currency=str(obj["currency"]).upper(),
        destination=str(obj.get("destination") or ""),
        transfer_group=str(obj.get("transfer_group") or ""),
        amount_reversed=int(obj.get("amount_reversed") or 0),
        reversed=bool(obj.get("reversed")),
        created=dt.datetime.fromtimestamp(int(obj.get("created") or 0), tz=dt.UTC),
        metadata={str(k): str(v) for k, v in dict(metadata).items()},
    )


@contextmanager
def _translated_errors() -> Iterator[None]:
    try:
        yield
    except (stripe.APIConnectionError, stripe.RateLimitError, stripe.IdempotencyError) as exc:
        # No answer, "slow down", or the same key still being processed: the call may have
        # happened (or may yet), so it is never recorded as failed; retry with the same key.
        raise GatewayTimeout(str(exc.user_message or exc)) from exc
    except stripe.StripeError as exc:
        if exc.http_status is not None and (exc.http_status >= 500 or exc.http_status == 409):
            # A server error, or a conflict with a request using the same key: unknown.
            raise GatewayTimeout(str(exc.user_message or exc)) from exc
        raise GatewayError(str(exc.user_message or exc)) from exc


class StripeConnectGateway:
    """The real gateway. `http_client` is for tests that capture the requests."""

    def __init__(self, *, http_client: Any = None) -> None:
        base = settings.STRIPE_API_BASE
        self.client = stripe.StripeClient(
            settings.STRIPE_SECRET_KEY,
            base_addresses={"api": base} if base else {},
            http_client=http_client,
            # Our own repair task retries with the same key; the SDK retrying too is harmless.
            max_network_retries=1,
        )

    def create_account(
        self, *, email: str, country: str, metadata: dict[str, str], idempotency_key: str
    ) -> ConnectAccount:
        with _translated_errors():
            account = self.client.v1.accounts.create(
                {
                    "type": "express",
                    "email": email,
                    "country": country,
                    "capabilities": {"transfers": {"requested": True}},
                    "metadata": metadata,
                },
                {"idempotency_key": idempotency_key},
            )
        return account_from_stripe(account.to_dict())

    def create_account_link(
        self, *, account_id: str, refresh_url: str, return_url: str, idempotency_key: str
    ) -> AccountLink:
        with _translated_errors():
            link = self.client.v1.account_links.create(
                {
                    "account": account_id,
                    "refresh_url": refresh_url,
                    "return_url": return_url,
                    "type": "account_onboarding",
                },
                {"idempotency_key": idempotency_key},
            )
        return AccountLink(
            url=str(link["url"]),
            expires_at=dt.datetime.fromtimestamp(int(link["expires_at"]), tz=dt.UTC),
        )

    def retrieve_account(self, account_id: str) -> ConnectAccount:
        with _translated_errors():
            return account_from_stripe(self.client.v1.accounts.retrieve(account_id).to_dict())

    def create_transfer(
        self,
        *,
        amount: int,
        currency: str,
        destination: str,
        transfer_group: str,
        metadata: dict[str, str],
        idempotency_key: str,
    ) -> Transfer:
        with _translated_errors():
            transfer = self.client.v1.transfers.create(
                {
                    "amount": amount,
                    "currency": currency.lower(),
                    "destination": destination,
                    "transfer_group": transfer_group,
                    "metadata": metadata,
                },
                {"idempotency_key": idempotency_key},
            )
        return transfer_from_stripe(transfer.to_dict())

    def retrieve_transfer(self, transfer_id: str) -> Transfer:
        with _translated_errors():
            return transfer_from_stripe(self.client.v1.transfers.retrieve(transfer_id).to_dict())

    def list_transfers(
        self, *, since: dt.datetime | None = None, transfer_group: str | None = None
    ) -> list[Transfer]:
        params: dict[str, Any] = {"limit": 100}
        if since is not None:
            params["created"] = {"gte": int(since.timestamp())}
        if transfer_group:
            params["transfer_group"] = transfer_group
        with _translated_errors():
            page = self.client.v1.transfers.list(params)  # type: ignore[arg-type]
            return [transfer_from_stripe(t.to_dict()) for t in page.auto_paging_iter()]


_installed: ConnectGateway | None = None


def get_connect_gateway() -> ConnectGateway:
    return _installed if _installed is not None else StripeConnectGateway()


@contextmanager
def use_connect_gateway(gateway: ConnectGateway) -> Iterator[ConnectGateway]:
    """Install `gateway` for the block (tests: a recording fake)."""
    global _installed  # noqa: PLW0603
    previous, _installed = _installed, gateway
    try:
        yield gateway
    finally:
        _installed = previous
