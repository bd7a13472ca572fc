"""The Stripe gateway against a real localstripe, and the requests it sends (captured by
swapping the SDK's HTTP client)."""

from __future__ import annotations

import socket
from collections.abc import Iterator, Mapping
from typing import Any

import pytest
import stripe

from payments import gateway
from tests.stripe_local import pay_intent


class RecordingHTTPClient(stripe.RequestsClient):
    """The SDK's own HTTP client, recording every request it sends."""

    def __init__(self) -> None:
        super().__init__(timeout=10)
        self.sent: list[tuple[str, str, dict[str, str], Any]] = []

    def request(  # type: ignore[override]
        self, method: str, url: str, headers: Mapping[str, str] | None, post_data: Any = None
    ) -> Any:
        self.sent.append((method, url, dict(headers or {}), post_data))
        return super().request(method, url, headers, post_data)


@pytest.fixture
def recorder(stripe_settings: str) -> Iterator[RecordingHTTPClient]:  # noqa: ARG001
    client = RecordingHTTPClient()
    gateway.use_http_client(client)
    yield client
    gateway.use_http_client(None)


def test_idempotency_keys_are_derived_from_our_record_and_attempt() -> None:
    assert gateway.idempotency_key("co_payment", 42) == "skills-wallet:co_payment:42:0"
    assert gateway.idempotency_key("co_payment", 42, 1) != gateway.idempotency_key("co_payment", 42)
    assert gateway.idempotency_key("refund", 42) != gateway.idempotency_key("co_payment", 42)
    for kind, record_id, attempt in (("", 1, 0), ("a:b", 1, 0), ("refund", 0, 0), ("x", 1, -1)):
        with pytest.raises(ValueError, match="idempotency_key"):
            gateway.idempotency_key(kind, record_id, attempt)


def test_without_a_secret_key_nothing_is_sent(settings: Any) -> None:
    settings.STRIPE_SECRET_KEY = ""
    with pytest.raises(gateway.GatewayNotConfigured):
        gateway.payment_intent_retrieve(intent_id="pi_x")


def test_the_gateway_sends_the_idempotency_key_on_every_write(
    recorder: RecordingHTTPClient, localstripe: str
) -> None:
    key = gateway.idempotency_key("co_payment", 7)
    intent = gateway.payment_intent_create(
        amount=2_000, currency="GBP", idempotency_key=key, metadata={"card_payment": "7"}
    )
    method, url, headers, body = recorder.sent[-1]
    assert (method, url) == ("post", f"{localstripe}/v1/payment_intents")
    assert headers["Idempotency-Key"] == key
    assert "payment_method_types[0]=card" in body
    assert "automatic_payment_methods" not in body  # localstripe refuses it
    assert "metadata[card_payment]=7" in body
    assert intent.status == "requires_payment_method"
    assert intent.client_secret.startswith(intent.id)

    pay_intent(localstripe, intent.id)
    refund_key = gateway.idempotency_key("refund", 3)
    refund = gateway.refund_create(
        intent_id=intent.id, amount=500, idempotency_key=refund_key, metadata={"card_refund": "3"}
    )
    method, url, headers, body = recorder.sent[-1]
    assert (method, url, headers["Idempotency-Key"]) == (
        "post",
        f"{localstripe}/v1/refunds",
        refund_key,
    )
    assert (refund.status, refund.amount, refund.payment_intent) == ("succeeded", 500, intent.id)


def test_payment_intents_are_created_retrieved_cancelled_and_listed(stripe_settings: str) -> None:
    intent = gateway.payment_intent_create(
        amount=1_500, currency="GBP", idempotency_key="k-1", metadata={"card_payment": "1"}
    )
    assert (intent.amount, intent.currency, intent.metadata["card_payment"]) == (1_500, "GBP", "1")
    again = gateway.payment_intent_retrieve(intent_id=intent.id)
    assert again.id == intent.id
    assert again.amount_received == 0
    cancelled = gateway.payment_intent_cancel(intent_id=intent.id, idempotency_key="k-2")
    assert cancelled.status == "canceled"
    # Cancelling twice answers the current state instead of failing.
    assert gateway.payment_intent_cancel(intent_id=intent.id, idempotency_key="k-3").status == (
        "canceled"
    )
    assert intent.created is not None
    listed = [i.id for i in gateway.payment_intents_since(since=intent.created)]
    assert intent.id in listed


def test_a_succeeded_intent_reports_what_it_received(stripe_settings: str) -> None:
    intent = gateway.payment_intent_create(
        amount=2_500, currency="GBP", idempotency_key="k-4", metadata={}
    )
    pay_intent(stripe_settings, intent.id)
    paid = gateway.payment_intent_retrieve(intent_id=intent.id)
    assert (paid.status, paid.amount_received) == ("succeeded", 2_500)
    refunds = list(gateway.refunds_since(since=intent.created or paid.created))  # type: ignore[arg-type]
    assert refunds == [] or all(r.payment_intent for r in refunds)


def test_a_declined_card_is_a_gateway_declined(stripe_settings: str) -> None:
    intent = gateway.payment_intent_create(
        amount=2_500, currency="GBP", idempotency_key="k-5", metadata={}
    )
    with pytest.raises(gateway.GatewayDeclined) as declined:
        gateway.payment_intent_attach_and_confirm(
            intent_id=intent.id, payment_method="pm_card_chargeCustomerFail"
        )
    assert declined.value.code == "card_declined"
    assert gateway.payment_intent_retrieve(intent_id=intent.id).status == "requires_payment_method"


def test_an_unknown_intent_is_not_found(stripe_settings: str) -> None:
    with pytest.raises(gateway.GatewayNotFound):
        gateway.payment_intent_retrieve(intent_id="pi_doesnotexist")


def test_no_answer_is_a_timeout_whose_outcome_is_unknown(settings: Any) -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    settings.STRIPE_SECRET_KEY = "sk_test_x"
    settings.STRIPE_API_BASE = f"http://127.0.0.1:{port}"
    with pytest.raises(gateway.GatewayTimeout) as timeout:
        gateway.payment_intent_create(amount=1, currency="GBP", idempotency_key="k", metadata={})
    assert timeout.value.outcome_unknown


def test_webhook_signatures_are_checked_on_the_raw_body(settings: Any) -> None:
    from tests.stripe_local import sign

    settings.STRIPE_WEBHOOK_SECRET = "whsec_x"
    body = b'{"id": "evt_1", "type": "payment_intent.succeeded", "object": "event"}'
    assert gateway.webhook_event(payload=body, signature=sign(body, "whsec_x"))["id"] == "evt_1"
    for signature in (None, "", "t=1,v1=00", sign(body, "whsec_other"), sign(body + b" ", "x")):
        with pytest.raises(gateway.SignatureInvalid):
            gateway.webhook_event(payload=body, signature=signature)
    stale = sign(body, "whsec_x", timestamp=1)
    with pytest.raises(gateway.SignatureInvalid):
        gateway.webhook_event(payload=body, signature=stale)
