"""The Stripe gateway's core: the one module (with `connect.py`) that imports `stripe`.

Every call here is a plain function with keyword arguments that returns our own frozen
dataclasses, never SDK objects, and raises only `GatewayError` subclasses. Every write
carries an `Idempotency-Key` derived from our own record (`idempotency_key`), so a retry
after a timeout can never charge or refund twice on Stripe's side. Callers make these calls
after their transaction commits, never under a lock (docs/adr/0010).

The client is built from settings: `STRIPE_SECRET_KEY`, `STRIPE_API_BASE` (empty: the SDK's
default; localstripe's address locally), `STRIPE_TIMEOUT_SECONDS`. The SDK's own network
retries are off: our repair task retries, with the same key.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import stripe
from django.conf import settings

# --- Errors ------------------------------------------------------------------------------------


class GatewayError(Exception):
    """A Stripe call that did not do what was asked. `outcome_unknown`: it may have happened
    (a timeout, a lost connection, a 5xx); retry with the same idempotency key to find out."""

    outcome_unknown = False

    def __init__(self, message: str, *, code: str = "", status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.status = status


class GatewayNotConfigured(GatewayError):
    """No STRIPE_SECRET_KEY: nothing was sent."""


class GatewayTimeout(GatewayError):
    """No answer in time, or the connection broke: the call may or may not have happened."""

    outcome_unknown = True


class GatewayUnavailable(GatewayError):
    """Stripe answered 5xx or asked us to slow down (429): try again later with the same key."""

    outcome_unknown = True


class GatewayDeclined(GatewayError):
    """The card was declined (Stripe's CardError, HTTP 402)."""


class GatewayRefused(GatewayError):
    """Stripe refused the request as invalid (4xx): retrying the same request will not help."""


class GatewayAuthenticationFailed(GatewayError):
    """The secret key was refused (401/403): an operator must fix the configuration."""


class GatewayNotFound(GatewayRefused):
    """No such object on Stripe (404)."""


# --- Idempotency keys --------------------------------------------------------------------------


def idempotency_key(kind: str, record_id: int, attempt: int = 0) -> str:
    """The Idempotency-Key for one of our records: the same record and attempt always send
    the same key, so Stripe answers a retry with the first result instead of acting twice.
    A new attempt (after a definite failure) gets a new key."""
    if not kind or ":" in kind or record_id <= 0 or attempt < 0:
        raise ValueError("idempotency_key needs a kind without ':', a record id and attempt >= 0")
    return f"skills-wallet:{kind}:{record_id}:{attempt}"


# --- The client --------------------------------------------------------------------------------

_http_client: stripe.HTTPClient | None = None


def use_http_client(http_client: stripe.HTTPClient | None) -> None:
    """Swap the SDK's HTTP client (tests capture requests with it); None restores the default."""
    global _http_client
    _http_client = http_client


def is_configured() -> bool:
    return bool(settings.STRIPE_SECRET_KEY)


def uses_local_stripe() -> bool:
    """Whether the API base is not Stripe's own (localstripe in development and tests)."""
    return bool(settings.STRIPE_API_BASE)


def client() -> stripe.StripeClient:
    if not settings.STRIPE_SECRET_KEY:
        raise GatewayNotConfigured("STRIPE_SECRET_KEY is not set.")
    options: dict[str, Any] = {"max_network_retries": 0}
    if settings.STRIPE_API_BASE:
        base = settings.STRIPE_API_BASE.rstrip("/")
        options["base_addresses"] = {"api": base, "files": base, "connect": base}
    options["http_client"] = _http_client or stripe.RequestsClient(
        timeout=settings.STRIPE_TIMEOUT_SECONDS
    )
    return stripe.StripeClient(settings.STRIPE_SECRET_KEY, **options)


def _translate(exc: stripe.StripeError) -> GatewayError:
    status = exc.http_status
    code = exc.code or ""
    message = exc.user_message or str(exc) or exc.__class__.__name__
    if isinstance(exc, stripe.CardError):
        return GatewayDeclined(message, code=code or "card_declined", status=status)
    if isinstance(exc, stripe.APIConnectionError):
        return GatewayTimeout(message, code=code, status=status)
    if isinstance(exc, stripe.AuthenticationError | stripe.PermissionError):
        return GatewayAuthenticationFailed(message, code=code, status=status)
    if isinstance(exc, stripe.RateLimitError) or (status is not None and status >= 500):
        return GatewayUnavailable(message, code=code, status=status)
    if status == 404:
        return GatewayNotFound(message, code=code or "resource_missing", status=status)
    if status == 402:  # localstripe answers a declined charge with a bare 402
        return GatewayDeclined(message, code=code or "card_declined", status=status)
    return GatewayRefused(message, code=code, status=status)


def _options(key: str | None) -> dict[str, Any]:
    return {"idempotency_key": key} if key else {}


# --- Results -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Intent:
    """A PaymentIntent as we read it. `status`: Stripe's (requires_payment_method, processing,
    succeeded, canceled, ...)."""

    id: str
    status: str
    amount: int
    currency: str  # upper case, as we store currencies
    client_secret: str
    amount_received: int
    created: dt.datetime | None
    metadata: Mapping[str, str] = field(default_factory=dict)
    last_error: str = ""

    @property
    def succeeded(self) -> bool:
        return self.status == "succeeded"


@dataclass(frozen=True)
class RefundResult:
    id: str
    status: str  # pending, succeeded, failed, canceled, requires_action
    amount: int
    currency: str
    payment_intent: str
    created: dt.datetime | None
    metadata: Mapping[str, str] = field(default_factory=dict)


def _plain(obj: Any) -> Any:
    to_dict = getattr(obj, "to_dict", None)
    return to_dict() if callable(to_dict) else obj


def _get(obj: Any, name: str, default: Any = None) -> Any:
    try:
        value = obj[name]
    except (KeyError, TypeError):
        return default
    return default if value is None else value


def _when(value: Any) -> dt.datetime | None:
    return dt.datetime.fromtimestamp(int(value), tz=dt.UTC) if value else None


def _metadata(obj: Any) -> dict[str, str]:
    raw = _get(obj, "metadata", {}) or {}
    return {str(k): str(v) for k, v in dict(raw).items()}


def intent_from(obj: Any) -> Intent:
    """An Intent from an SDK object or a webhook's `data.object` dict."""
    obj = _plain(obj)
    error = _get(obj, "last_payment_error")
    amount = int(_get(obj, "amount", 0))
    status = str(_get(obj, "status", ""))
    received = _get(obj, "amount_received")
    if received is None:  # localstripe leaves it out: a succeeded intent received its amount
        received = amount if status == "succeeded" else 0
    return Intent(
        id=str(_get(obj, "id", "")),
        status=status,
        amount=amount,
        currency=str(_get(obj, "currency", "")).upper(),
        client_secret=str(_get(obj, "client_secret", "")),
        amount_received=int(received),
        created=_when(_get(obj, "created")),
        metadata=_metadata(obj),
        last_error=str(_get(error, "message", "") or _get(error, "code", "")) if error else "",
    )


def refund_from(obj: Any) -> RefundResult:
    obj = _plain(obj)
    intent = _get(obj, "payment_intent", "")
    charge = _get(obj, "charge", "")
    if not intent and not isinstance(charge, str):
        intent = _get(charge, "payment_intent", "")
    return RefundResult(
        id=str(_get(obj, "id", "")),
        status=str(_get(obj, "status", "")),
        amount=int(_get(obj, "amount", 0)),
        currency=str(_get(obj, "currency", "")).upper(),
        payment_intent=str(intent if isinstance(intent, str) else _get(intent, "id", "")),
        created=_when(_get(obj, "created")),
        metadata=_metadata(obj),
    )


# --- PaymentIntents ----------------------------------------------------------------------------


def payment_intent_create(
    *,
    amount: int,
    currency: str,
    idempotency_key: str,
    metadata: Mapping[str, str],
    description: str = "",
) -> Intent:
    """A card PaymentIntent for `amount` minor units. Card only (`payment_method_types`):
    localstripe refuses `automatic_payment_methods`, and card is all we take."""
    if amount <= 0:
        raise GatewayRefused("A payment is for a positive amount.", code="invalid_amount")
    params: dict[str, Any] = {
        "amount": amount,
        "currency": currency.lower(),
        "payment_method_types": ["card"],
        "metadata": dict(metadata),
    }
    if description and not uses_local_stripe():  # localstripe refuses `description`
        params["description"] = description[:350]
    try:
        obj = client().v1.payment_intents.create(params, _options(idempotency_key))  # type: ignore[arg-type]
    except stripe.StripeError as exc:
        raise _translate(exc) from exc
    return intent_from(obj)


def payment_intent_retrieve(*, intent_id: str) -> Intent:
    try:
        obj = client().v1.payment_intents.retrieve(intent_id)
    except stripe.StripeError as exc:
        raise _translate(exc) from exc
    return intent_from(obj)


def payment_intent_cancel(*, intent_id: str, idempotency_key: str) -> Intent:
    """Cancel an intent that has not succeeded; a succeeded or already cancelled one is
    answered as it is (cancelling is a wish, not a promise: act on the returned status)."""
    try:
        obj = client().v1.payment_intents.cancel(intent_id, None, _options(idempotency_key))  # type: ignore[arg-type]
    except stripe.StripeError as exc:
        error = _translate(exc)
        if isinstance(error, GatewayRefused) and not isinstance(error, GatewayNotFound):
            return payment_intent_retrieve(intent_id=intent_id)
        raise error from exc
    return intent_from(obj)


def payment_intent_attach_and_confirm(*, intent_id: str, payment_method: str) -> Intent:
    """Local (localstripe) checkout only: set a payment method made by Stripe.js and confirm.
    With real Stripe the browser confirms with Stripe.js itself (confirmCardPayment); this
    two-step form exists because localstripe answers confirm-with-payment_method with a 500."""
    try:
        api = client().v1.payment_intents
        api.update(intent_id, {"payment_method": payment_method})
        obj = api.confirm(intent_id)
    except stripe.StripeError as exc:
        raise _translate(exc) from exc
    return intent_from(obj)


def payment_intents_since(*, since: dt.datetime) -> Iterator[Intent]:
    """Every PaymentIntent created at or after `since` (for reconciliation), paging through."""
    try:
        page = client().v1.payment_intents.list(_since_params(since))  # type: ignore[arg-type]
        for obj in page.auto_paging_iter():
            intent = intent_from(obj)
            if intent.created is None or intent.created >= since:
                yield intent
    except stripe.StripeError as exc:
        raise _translate(exc) from exc


def _since_params(since: dt.datetime) -> dict[str, Any]:
    """Stripe filters by `created`; localstripe refuses the filter, so we filter as we read."""
    if uses_local_stripe():
        return {"limit": 100}
    return {"created": {"gte": int(since.timestamp())}, "limit": 100}


# --- Refunds -----------------------------------------------------------------------------------


def refund_create(
    *, intent_id: str, amount: int, idempotency_key: str, metadata: Mapping[str, str]
) -> RefundResult:
    """Refund `amount` of a succeeded PaymentIntent. The caller has checked that refunds never
    exceed what was paid (localstripe does not check)."""
    if amount <= 0:
        raise GatewayRefused("A refund is for a positive amount.", code="invalid_amount")
    params = {"payment_intent": intent_id, "amount": amount, "metadata": dict(metadata)}
    try:
        obj = client().v1.refunds.create(params, _options(idempotency_key))  # type: ignore[arg-type]
    except stripe.StripeError as exc:
        raise _translate(exc) from exc
    return refund_from(obj)


def refund_retrieve(*, refund_id: str) -> RefundResult:
    try:
        obj = client().v1.refunds.retrieve(refund_id)
    except stripe.StripeError as exc:
        raise _translate(exc) from exc
    return refund_from(obj)


def refunds_since(*, since: dt.datetime) -> Iterator[RefundResult]:
    try:
        page = client().v1.refunds.list(_since_params(since))  # type: ignore[arg-type]
        for obj in page.auto_paging_iter():
            refund = refund_from(obj)
            if refund.created is None or refund.created >= since:
                yield refund
    except stripe.StripeError as exc:
        raise _translate(exc) from exc


# --- Webhooks ----------------------------------------------------------------------------------


class SignatureInvalid(GatewayError):
    """A webhook whose Stripe-Signature is missing, malformed, stale or wrong."""


def webhook_event(*, payload: bytes, signature: str | None) -> dict[str, Any]:
    """Verify a webhook's signature on the raw body with STRIPE_WEBHOOK_SECRET and return the
    event as a plain dict. Raises SignatureInvalid (nothing is to be stored) otherwise."""
    secret = settings.STRIPE_WEBHOOK_SECRET
    if not secret or not signature:
        raise SignatureInvalid("Missing Stripe-Signature or no webhook secret configured.")
    try:
        event = stripe.Webhook.construct_event(payload, signature, secret)
    except (stripe.SignatureVerificationError, ValueError) as exc:
        raise SignatureInvalid("The Stripe-Signature does not match the body.") from exc
    data: dict[str, Any] = event.to_dict()
    return data
