"""Stripe webhook events: stored once by id, processed by a Celery task, dispatched here.

`HANDLERS` maps an event type to a handler that receives the event's `data.object` dict.
Handlers must be harmless to repeat and must not trust event order: they re-read the object
from Stripe and act on its current state. Types without a handler are acknowledged and
marked ignored. Register with `@handles("type", ...)`.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from payments.models import StripeEvent

logger = logging.getLogger(__name__)

Handler = Callable[[dict[str, Any]], None]
HANDLERS: dict[str, Handler] = {}

# Retries of a failing event: 1, 2, 4 … minutes, at most this many attempts.
MAX_ATTEMPTS = 8


def handles(*event_types: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        for event_type in event_types:
            HANDLERS[event_type] = handler
        return handler

    return register


def event_store(event: dict[str, Any]) -> tuple[StripeEvent, bool]:
    """Store a verified event once by its Stripe id; returns (row, created)."""
    try:
        with transaction.atomic():
            row = StripeEvent.objects.create(
                event_id=str(event["id"]), type=str(event.get("type", "")), payload=event
            )
    except IntegrityError:
        return StripeEvent.objects.get(event_id=str(event["id"])), False
    return row, True


def retry_delay(attempts: int) -> dt.timedelta:
    return dt.timedelta(minutes=2 ** max(attempts - 1, 0))


def event_process(*, event_pk: int) -> str:
    """Run the handler of a stored event. Claimed by a conditional update (so two workers
    never run it at once) and run outside any transaction: handlers call Stripe, which never
    happens under a lock. A processed event is never processed again."""
    claimed = StripeEvent.objects.filter(
        pk=event_pk, status__in=[StripeEvent.Status.RECEIVED, StripeEvent.Status.FAILED]
    ).update(status=StripeEvent.Status.PROCESSING, attempts=F("attempts") + 1)
    if not claimed:
        return "skipped"
    row = StripeEvent.objects.get(pk=event_pk)
    handler = HANDLERS.get(row.type)
    if handler is None:
        row.status = StripeEvent.Status.IGNORED
        row.processed_at = timezone.now()
        row.save(update_fields=["status", "processed_at"])
        return row.status
    obj = dict((row.payload.get("data") or {}).get("object") or {})
    try:
        handler(obj)
    except Exception as exc:  # noqa: BLE001 (any failure is recorded and retried)
        logger.warning("Stripe event %s (%s) failed: %s", row.event_id, row.type, exc)
        row.status = StripeEvent.Status.FAILED
        row.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        row.save(update_fields=["status", "last_error"])
        return row.status
    row.status = StripeEvent.Status.PROCESSED
    row.processed_at = timezone.now()
    row.last_error = ""
    row.save(update_fields=["status", "processed_at", "last_error"])
    return row.status


# An event left "processing" this long had its worker die mid-handler: it is retried.
STALE_PROCESSING = dt.timedelta(minutes=15)


def events_due_for_retry(*, now: dt.datetime | None = None) -> list[int]:
    now = now or timezone.now()
    StripeEvent.objects.filter(
        status=StripeEvent.Status.PROCESSING, received_at__lt=now - STALE_PROCESSING
    ).exclude(processed_at__isnull=False).update(
        status=StripeEvent.Status.FAILED, last_error="The worker stopped while processing it."
    )
    due = []
    for pk, attempts, received in StripeEvent.objects.filter(
        status__in=[StripeEvent.Status.FAILED, StripeEvent.Status.RECEIVED],
        attempts__lt=MAX_ATTEMPTS,
    ).values_list("pk", "attempts", "received_at"):
        if received + _backoff_total(attempts) <= now:
            due.append(pk)
    return due


def _backoff_total(attempts: int) -> dt.timedelta:
    return sum((retry_delay(n) for n in range(1, attempts + 1)), dt.timedelta())


# --- Handlers for card payments and refunds -------------------------------------------------


@handles(
    "payment_intent.succeeded",
    "payment_intent.payment_failed",
    "payment_intent.canceled",
    "payment_intent.processing",
)
def on_payment_intent(obj: dict[str, Any]) -> None:
    from payments.services.card_payments import payment_sync_by_id

    payment_sync_by_id(intent_id=str(obj.get("id", "")))


@handles("refund.created", "refund.updated", "refund.failed", "charge.refund.updated")
def on_refund(obj: dict[str, Any]) -> None:
    from payments.services.card_refunds import refund_sync_by_id

    refund_sync_by_id(refund_id=str(obj.get("id", "")))


# --- Handlers for provider payouts (Connect, docs/payouts.md) ---------------------------------


@handles("account.updated")
def on_account_updated(obj: dict[str, Any]) -> None:
    from payments.services.payouts import on_account_updated as account_updated

    account_updated(obj)


@handles("transfer.created", "transfer.updated", "transfer.reversed", "transfer.failed")
def on_transfer(obj: dict[str, Any]) -> None:
    from payments.services.payouts import on_transfer_event

    on_transfer_event(obj)
