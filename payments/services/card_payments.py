"""Co-payments by card: create the PaymentIntent after commit, act on Stripe's answer.

Record, commit, call, record (docs/adr/0010): `CoPaymentCollector.request` (called by the
acceptance, inside its transaction) writes a `CardPayment(calling)` and enqueues
`payment_intent_open` after commit; that calls Stripe with an idempotency key derived from
the row and records the intent. A crash in between leaves `calling`, which
`repair_card_calls` resolves by finding the intent by its metadata (localstripe ignores
idempotency keys) or creating it again with the same key.

`payment_sync` is the one place that acts on a PaymentIntent's state: it re-reads the intent
from Stripe and never trusts the order of webhook events. A succeeded intent posts the card
money to the ledger (card clearing → the enrolment's co-payment hold) exactly once and makes
the enrolment accepted; a payment that arrives after the place has gone is refunded.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction
from django.utils import timezone

from core.jobs import enqueue_on_commit
from enrolments.models import Enrolment, Refund
from enrolments.services.co_payments import enrolment_co_payment_paid
from payments import gateway
from payments.models import CardPayment
from wallets.ledger import account_get_or_create, ledger_post
from wallets.models import LedgerAccount, LedgerTransaction

logger = logging.getLogger(__name__)

# A row left "calling" this long is taken to have crashed mid-call and is repaired.
STUCK_AFTER = dt.timedelta(minutes=2)


def card_clearing_account(currency: str) -> LedgerAccount:
    """Where card money enters and leaves the ledger (like `funder_external`, may go negative:
    its balance is what Stripe holds or has paid out for us)."""
    return account_get_or_create(
        key=f"card_clearing:{currency}",
        kind=LedgerAccount.Kind.CARD_CLEARING,
        name=f"Card payments clearing ({currency})",
        currency=currency,
        allow_negative=True,
    )


def co_payment_hold_account(enrolment: Enrolment) -> LedgerAccount:
    """The learner's co-payment for one place, held until refunded or released."""
    return account_get_or_create(
        key=f"co_payment:enrolment:{enrolment.pk}",
        kind=LedgerAccount.Kind.CO_PAYMENT_HOLD,
        name=f"Co-payment for enrolment {enrolment.pk}",
        currency=enrolment.currency,
        provider_id=enrolment.cohort.course.provider_id,
    )


class CoPaymentCollector:
    """The `enrolments.co_payments.CoPaymentCollection` that payments/ registers."""

    def request(self, *, enrolment: Enrolment) -> None:
        payment, _ = CardPayment.objects.get_or_create(
            enrolment=enrolment,
            defaults={"amount": enrolment.co_payment, "currency": enrolment.currency},
        )
        from payments.tasks import open_payment_intent

        enqueue_on_commit(open_payment_intent, payment.pk)

    def release(self, *, enrolment: Enrolment) -> None:
        payment = CardPayment.objects.filter(enrolment=enrolment).first()
        if payment is None:
            return
        from payments.tasks import cancel_payment_intent

        enqueue_on_commit(cancel_payment_intent, payment.pk)


def _metadata(payment: CardPayment) -> dict[str, str]:
    return {"card_payment": str(payment.pk), "enrolment": str(payment.enrolment_id)}


def payment_intent_open(*, payment_id: int, repair: bool = False) -> CardPayment:
    """Create the PaymentIntent of a `calling` payment (never inside a transaction). When
    repairing, first look for an intent the lost call may have created."""
    payment = CardPayment.objects.select_related("enrolment__cohort__course").get(pk=payment_id)
    if payment.status != CardPayment.Status.CALLING:
        return payment
    found = _find_intent(payment) if repair else None
    try:
        intent = found or gateway.payment_intent_create(
            amount=payment.amount,
            currency=payment.currency,
            idempotency_key=gateway.idempotency_key("co_payment", payment.pk, payment.attempt),
            metadata=_metadata(payment),
            description=f"Co-payment: {payment.enrolment.cohort.course.title}",
        )
    except gateway.GatewayError as exc:
        if exc.outcome_unknown or isinstance(exc, gateway.GatewayNotConfigured):
            # Still "calling": the repair task asks Stripe again with the same key.
            CardPayment.objects.filter(pk=payment.pk).update(last_error=exc.message[:500])
        else:
            CardPayment.objects.filter(pk=payment.pk, status=CardPayment.Status.CALLING).update(
                status=CardPayment.Status.FAILED, last_error=exc.message[:500]
            )
        logger.warning("Co-payment %s: Stripe call failed: %s", payment.pk, exc.message)
        payment.refresh_from_db()
        return payment
    CardPayment.objects.filter(pk=payment.pk, status=CardPayment.Status.CALLING).update(
        status=CardPayment.Status.OPEN,
        intent_id=intent.id,
        client_secret=intent.client_secret,
        stripe_status=intent.status,
        last_error="",
    )
    if intent.status in ("succeeded", "canceled"):
        payment_sync(intent=intent)
    payment.refresh_from_db()
    return payment


def _find_intent(payment: CardPayment) -> gateway.Intent | None:
    """An intent already created for this payment (the answer lost in a crash), if any."""
    since = payment.created_at - dt.timedelta(minutes=5)
    for intent in gateway.payment_intents_since(since=since):
        if intent.metadata.get("card_payment") == str(payment.pk):
            return intent
    return None


def payment_intent_cancel(*, payment_id: int) -> None:
    """The place no longer waits for this payment: cancel the intent (after commit). If it
    succeeded meanwhile, `payment_sync` refunds it."""
    payment = CardPayment.objects.get(pk=payment_id)
    if payment.status == CardPayment.Status.CALLING:
        payment = payment_intent_open(payment_id=payment_id)
    if not payment.intent_id or payment.status != CardPayment.Status.OPEN:
        return
    try:
        intent = gateway.payment_intent_cancel(
            intent_id=payment.intent_id,
            idempotency_key=gateway.idempotency_key("co_payment_cancel", payment.pk),
        )
    except gateway.GatewayError as exc:
        logger.warning("Co-payment %s: cancel failed: %s", payment.pk, exc.message)
        return
    payment_sync(intent=intent)


def payment_reopen_if_lost(*, payment_id: int) -> CardPayment:
    """localstripe only (it keeps intents in memory): after a restart an open payment's
    intent is gone. Start a new attempt, with a new key, so the learner can still pay. Real
    Stripe never loses an intent, so this never runs against it."""
    payment = CardPayment.objects.get(pk=payment_id)
    if not gateway.uses_local_stripe() or payment.status != CardPayment.Status.OPEN:
        return payment
    try:
        gateway.payment_intent_retrieve(intent_id=payment.intent_id or "")
    except gateway.GatewayNotFound:
        CardPayment.objects.filter(pk=payment.pk, status=CardPayment.Status.OPEN).update(
            status=CardPayment.Status.CALLING,
            attempt=payment.attempt + 1,
            intent_id=None,
            client_secret="",
        )
        return payment_intent_open(payment_id=payment.pk)
    return payment


def payment_sync_by_id(*, intent_id: str) -> None:
    """Re-read an intent from Stripe and act on its current state (webhooks call this)."""
    if not CardPayment.objects.filter(intent_id=intent_id).exists():
        return  # not one of ours (or its creation is still being recorded: repair finds it)
    payment_sync(intent=gateway.payment_intent_retrieve(intent_id=intent_id))


def payment_sync(*, intent: gateway.Intent) -> None:
    """Act on an intent's current state; harmless to repeat."""
    payment = CardPayment.objects.filter(intent_id=intent.id).first()
    if payment is None:
        return
    if intent.status == "succeeded":
        _record_success(payment.pk, intent)
    elif intent.status == "canceled":
        CardPayment.objects.filter(pk=payment.pk, status=CardPayment.Status.OPEN).update(
            status=CardPayment.Status.CANCELED, stripe_status=intent.status
        )
    else:  # requires_payment_method after a decline, processing, ...: the learner may retry
        CardPayment.objects.filter(pk=payment.pk, status=CardPayment.Status.OPEN).update(
            stripe_status=intent.status, last_error=intent.last_error[:500]
        )


def _record_success(payment_id: int, intent: gateway.Intent) -> None:
    with transaction.atomic():
        payment = CardPayment.objects.select_for_update().get(pk=payment_id)
        if payment.status == CardPayment.Status.SUCCEEDED:
            return  # already recorded: a duplicate or late event
        if intent.amount_received != payment.amount or intent.currency != payment.currency:
            payment.last_error = (
                f"Stripe received {intent.amount_received} {intent.currency}, "
                f"expected {payment.amount} {payment.currency}: staff to check."
            )[:500]
            payment.save(update_fields=["last_error", "updated_at"])
            logger.error("Co-payment %s: %s", payment.pk, payment.last_error)
            return
        enrolment = Enrolment.objects.select_related("cohort__course").get(pk=payment.enrolment_id)
        posting = ledger_post(
            kind=LedgerTransaction.Kind.CARD_PAYMENT,
            currency=payment.currency,
            lines=[
                (card_clearing_account(payment.currency), -payment.amount),
                (co_payment_hold_account(enrolment), payment.amount),
            ],
            memo=f"Co-payment by card for enrolment {enrolment.pk} ({intent.id})",
            idempotency_key=f"card_payment:{payment.pk}",
        )
        payment.status = CardPayment.Status.SUCCEEDED
        payment.stripe_status = intent.status
        payment.transaction_id = posting.transaction_id
        payment.paid_at = timezone.now()
        payment.last_error = ""
        payment.save()
    # The enrolment's lock is taken after the payment's row is committed (lock order:
    # cohort → enrolment first, in its own transaction).
    if not enrolment_co_payment_paid(enrolment_id=payment.enrolment_id, amount=payment.amount):
        with transaction.atomic():
            if not Refund.objects.filter(
                enrolment_id=payment.enrolment_id, reason__startswith="Paid after"
            ).exists():
                Refund.objects.create(
                    enrolment_id=payment.enrolment_id,
                    amount=payment.amount,
                    currency=payment.currency,
                    reason="Paid after the place was released: the co-payment is refunded.",
                )


def stuck_payments() -> list[int]:
    cutoff = timezone.now() - STUCK_AFTER
    return list(
        CardPayment.objects.filter(status=CardPayment.Status.CALLING, updated_at__lt=cutoff)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
