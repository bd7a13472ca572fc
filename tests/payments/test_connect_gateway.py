"""The real Connect gateway sends the right requests to Stripe: the SDK's HTTP client is
swapped for one that records each request (method, path, parameters, Idempotency-Key) and
answers like Stripe. Errors become GatewayError / GatewayTimeout."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import stripe
from django.test import override_settings

from payments.gateway.connect import GatewayError, GatewayTimeout, StripeConnectGateway

TRANSFER = {
    "id": "tr_123",
    "object": "transfer",
    "amount": 180000,
    "currency": "gbp",
    "destination": "acct_9",
    "transfer_group": "payout-7",
    "amount_reversed": 0,
    "reversed": False,
    "created": 1_764_633_600,
    "metadata": {"payout_id": "7", "provider_id": "3"},
}


class RecordingClient(stripe.HTTPClient):
    name = "recording"

    def __init__(self, answers: list[tuple[int, dict[str, Any]]] | None = None) -> None:
        super().__init__()
        self.requests: list[dict[str, Any]] = []
        self.answers = answers or []
        self.fail_with: Exception | None = None

    def request(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str] | None,
        post_data: Any = None,
        *,
        _usage: list[str] | None = None,
    ) -> tuple[str, int, Mapping[str, str]]:
        parts = urlsplit(url)
        body = post_data.decode() if isinstance(post_data, bytes) else (post_data or "")
        self.requests.append(
            {
                "method": method.upper(),
                "base": f"{parts.scheme}://{parts.netloc}",
                "path": parts.path,
                "query": parse_qs(parts.query),
                "params": parse_qs(body),
                "idempotency_key": dict(headers or {}).get("Idempotency-Key"),
            }
        )
        if self.fail_with is not None:
            raise self.fail_with
        status, answer = self.answers.pop(0) if self.answers else (200, TRANSFER)
        return json.dumps(answer), status, {"Request-Id": "req_1"}

    def request_stream(self, *args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the Connect gateway never asks for a streamed answer")

    def close(self) -> None:
        pass


@override_settings(STRIPE_SECRET_KEY="sk_test_x", STRIPE_API_BASE="http://127.0.0.1:9")
def test_a_transfer_is_posted_with_its_group_metadata_and_idempotency_key() -> None:
    http = RecordingClient()
    transfer = StripeConnectGateway(http_client=http).create_transfer(
        amount=180000,
        currency="GBP",
        destination="acct_9",
        transfer_group="payout-7",
        metadata={"payout_id": "7", "provider_id": "3"},
        idempotency_key="payout-7-1",
    )
    [request] = http.requests
    assert (request["method"], request["base"], request["path"]) == (
        "POST",
        "http://127.0.0.1:9",
        "/v1/transfers",
    )
    assert request["params"] == {
        "amount": ["180000"],
        "currency": ["gbp"],
        "destination": ["acct_9"],
        "transfer_group": ["payout-7"],
        "metadata[payout_id]": ["7"],
        "metadata[provider_id]": ["3"],
    }
    assert request["idempotency_key"] == "payout-7-1"
    assert (transfer.id, transfer.amount, transfer.currency) == ("tr_123", 180000, "GBP")
    assert transfer.created == dt.datetime(2025, 12, 2, tzinfo=dt.UTC)


@override_settings(STRIPE_SECRET_KEY="sk_test_x", STRIPE_API_BASE="")
def test_an_express_account_and_its_onboarding_link() -> None:
    http = RecordingClient(
        [
            (200, {"id": "acct_9", "object": "account", "payouts_enabled": False}),
            (
                200,
                {"object": "account_link", "url": "https://x.test/s", "expires_at": 1_764_633_600},
            ),
        ]
    )
    gateway = StripeConnectGateway(http_client=http)
    account = gateway.create_account(
        email="admin@provider.test",
        country="GB",
        metadata={"provider_id": "3"},
        idempotency_key="account-5-1",
    )
    link = gateway.create_account_link(
        account_id=account.id,
        refresh_url="http://127.0.0.1:8000/r",
        return_url="http://127.0.0.1:8000/d",
        idempotency_key="account_link-5-2",
    )
    create, link_request = http.requests
    assert create["base"] == "https://api.stripe.com"  # empty base: the SDK's own
    assert (create["path"], create["idempotency_key"]) == ("/v1/accounts", "account-5-1")
    assert create["params"]["type"] == ["express"]
    assert create["params"]["capabilities[transfers][requested]"] == ["true"]
    assert (link_request["path"], link_request["idempotency_key"]) == (
        "/v1/account_links",
        "account_link-5-2",
    )
    assert link_request["params"]["account"] == ["acct_9"]
    assert link_request["params"]["type"] == ["account_onboarding"]
    assert (account.id, account.payouts_enabled, link.url) == ("acct_9", False, "https://x.test/s")


@override_settings(STRIPE_SECRET_KEY="sk_test_x", STRIPE_API_BASE="http://127.0.0.1:9")
def test_transfers_are_listed_by_group_and_since_a_time() -> None:
    http = RecordingClient([(200, {"object": "list", "data": [TRANSFER], "has_more": False})])
    since = dt.datetime(2025, 12, 1, tzinfo=dt.UTC)
    [transfer] = StripeConnectGateway(http_client=http).list_transfers(
        since=since, transfer_group="payout-7"
    )
    [request] = http.requests
    assert (request["method"], request["path"]) == ("GET", "/v1/transfers")
    assert request["query"]["transfer_group"] == ["payout-7"]
    assert request["query"]["created[gte]"] == [str(int(since.timestamp()))]
    assert transfer.metadata == {"payout_id": "7", "provider_id": "3"}


@override_settings(STRIPE_SECRET_KEY="sk_test_x", STRIPE_API_BASE="http://127.0.0.1:9")
def test_a_refusal_is_a_gateway_error_and_no_answer_a_timeout() -> None:
    refused = RecordingClient(
        [(400, {"error": {"type": "invalid_request_error", "message": "No such destination"}})]
    )
    with pytest.raises(GatewayError) as caught:
        StripeConnectGateway(http_client=refused).retrieve_transfer("tr_1")
    assert not isinstance(caught.value, GatewayTimeout)
    lost = RecordingClient()
    lost.fail_with = stripe.APIConnectionError("Read timed out")
    with pytest.raises(GatewayTimeout):
        StripeConnectGateway(http_client=lost).create_transfer(
            amount=1,
            currency="GBP",
            destination="acct_9",
            transfer_group="payout-1",
            metadata={},
            idempotency_key="payout-1-1",
        )
    # The SDK's one retry keeps the key: a retry never pays twice.
    assert {r["idempotency_key"] for r in lost.requests} == {"payout-1-1"}


@pytest.mark.parametrize(
    ("status", "error_type"),
    [
        (429, "rate_limit_error"),
        (400, "idempotency_error"),
        (409, "invalid_request_error"),
        (500, "api_error"),
    ],
)
@override_settings(STRIPE_SECRET_KEY="sk_test_x", STRIPE_API_BASE="http://127.0.0.1:9")
def test_answers_that_do_not_say_no_are_timeouts_never_refusals(
    status: int, error_type: str
) -> None:
    """A payout is recorded as failed (money back to payable) only on a refusal: these may
    have made, or may yet make, the transfer."""
    http = RecordingClient([(status, {"error": {"type": error_type, "message": "Try later"}})] * 3)
    gateway = StripeConnectGateway(http_client=http)
    with pytest.raises(GatewayTimeout):
        gateway.retrieve_transfer("tr_1")
