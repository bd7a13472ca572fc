"""Card payments and refunds as reconciliation sources (the comparison itself is in the
reconciliation service): each source lists our records and Stripe's since a time as
`Record`s with the same `key`, so a difference is a key on one side only, or a key whose
amount, currency or status differ.

Statuses are normalised to what both sides can say: `succeeded`, `pending`, `canceled`,
`failed`. A payment or refund we have not yet sent (`calling`) is `pending` on our side.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from payments import gateway
from payments.models import CardPayment, CardRefund
from payments.reconciliation import Record

_INTENT_STATUS = {
    "succeeded": "succeeded",
    "canceled": "canceled",
    "requires_payment_method": "pending",
    "requires_confirmation": "pending",
    "requires_action": "pending",
    "processing": "pending",
    "requires_capture": "pending",
}
_PAYMENT_STATUS = {
    CardPayment.Status.CALLING: "pending",
    CardPayment.Status.OPEN: "pending",
    CardPayment.Status.SUCCEEDED: "succeeded",
    CardPayment.Status.CANCELED: "canceled",
    CardPayment.Status.FAILED: "failed",
}
_REFUND_STATUS = {
    CardRefund.Status.CALLING: "pending",
    CardRefund.Status.PENDING: "pending",
    CardRefund.Status.SUCCEEDED: "succeeded",
    CardRefund.Status.FAILED: "failed",
}


class CardPaymentSource:
    """Co-payments: our CardPayments against Stripe's PaymentIntents (matched by the
    `card_payment` metadata every intent we create carries)."""

    kind = "card_payment"

    def ours(self, since: datetime) -> Iterable[Record]:
        for payment in CardPayment.objects.filter(created_at__gte=since).order_by("pk"):
            if payment.status == CardPayment.Status.FAILED and not payment.intent_id:
                continue  # never reached Stripe: nothing to compare
            yield Record(
                kind=self.kind,
                key=str(payment.pk),
                stripe_id=payment.intent_id,
                amount=payment.amount,
                currency=payment.currency,
                status=_PAYMENT_STATUS[CardPayment.Status(payment.status)],
            )

    def theirs(self, since: datetime) -> Iterable[Record]:
        for intent in gateway.payment_intents_since(since=since):
            key = intent.metadata.get("card_payment")
            yield Record(
                kind=self.kind,
                key=key or f"stripe:{intent.id}",
                stripe_id=intent.id,
                amount=intent.amount_received if intent.succeeded else intent.amount,
                currency=intent.currency,
                status=_INTENT_STATUS.get(intent.status, intent.status),
            )


class CardRefundSource:
    """Card refunds: our CardRefunds against Stripe's refunds (by `card_refund` metadata)."""

    kind = "card_refund"

    def ours(self, since: datetime) -> Iterable[Record]:
        refunds = CardRefund.objects.filter(created_at__gte=since).order_by("pk")
        for refund in refunds:
            if refund.status == CardRefund.Status.FAILED and not refund.stripe_refund_id:
                continue  # refused before sending (over-refund, no payment): not on Stripe
            yield Record(
                kind=self.kind,
                key=str(refund.pk),
                stripe_id=refund.stripe_refund_id,
                amount=refund.amount,
                currency=refund.currency,
                status=_REFUND_STATUS[CardRefund.Status(refund.status)],
            )

    def theirs(self, since: datetime) -> Iterable[Record]:
        for result in gateway.refunds_since(since=since):
            key = result.metadata.get("card_refund")
            status = {"requires_action": "pending"}.get(result.status, result.status)
            yield Record(
                kind=self.kind,
                key=key or f"stripe:{result.id}",
                stripe_id=result.id,
                amount=result.amount,
                currency=result.currency,
                status=status,
            )
