"""Refunds owed to learners (enrolments.Refund) become Stripe refunds, after commit.

A `Refund(pending)` row is written by the enrolment that owes it (a cancelled cohort, a
cooling-off withdrawal, a payment that arrived after the place was released). Its
`CardRefund` is recorded as `calling` in a transaction that locks the card payment and
checks that the refunds never exceed what the intent received (our own check: localstripe
does not make it); then Stripe is called with an idempotency key derived from the row, and
the answer recorded. A succeeded refund moves the money out of the enrolment's co-payment
hold back to card clearing, once.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction
from django.db.models import Sum

from core.money import format_money
from enrolments.models import Enrolment, Refund
from payments import gateway
from payments.models import CardPayment, CardRefund
from payments.services.card_payments import card_clearing_account, co_payment_hold_account
from wallets.ledger import ledger_post
from wallets.models import LedgerTransaction

logger = logging.getLogger(__name__)

_LIVE = (CardRefund.Status.CALLING, CardRefund.Status.PENDING, CardRefund.Status.SUCCEEDED)


def refundable(payment: CardPayment) -> int:
    """What may still be refunded on a payment: what it received less live refunds."""
    if payment.status != CardPayment.Status.SUCCEEDED:
        return 0
    taken = payment.refunds.filter(status__in=_LIVE).aggregate(total=Sum("amount"))["total"]
    return payment.amount - (taken or 0)


def refund_record(*, refund_id: int) -> CardRefund | None:
    """Record the card refund of a pending Refund (phase one: in a transaction, no call).
    A refund larger than what is left to refund on the payment is refused: recorded as
    failed, with the reason, for staff."""
    with transaction.atomic():
        refund = Refund.objects.select_for_update().get(pk=refund_id)
        if refund.status != Refund.Status.PENDING:
            return None
        existing = CardRefund.objects.filter(refund=refund).first()
        if existing is not None:
            return existing
        payment = (
            CardPayment.objects.select_for_update().filter(enrolment_id=refund.enrolment_id).first()
        )
        card = CardRefund(refund=refund, payment=payment, amount=refund.amount)
        card.currency = refund.currency
        if payment is None or payment.status != CardPayment.Status.SUCCEEDED:
            card.status = CardRefund.Status.FAILED
            card.last_error = "No card payment was received for this enrolment."
        elif refund.currency != payment.currency:
            card.status = CardRefund.Status.FAILED
            card.last_error = "The refund's currency is not the payment's."
        elif refund.amount > refundable(payment):
            card.status = CardRefund.Status.FAILED
            card.last_error = (
                f"Refusing to refund {format_money(refund.amount, refund.currency)}: only "
                f"{format_money(refundable(payment), payment.currency)} of the payment is left "
                "to refund."
            )
        card.save()
    if card.status == CardRefund.Status.FAILED:
        logger.warning("Refund %s not sent: %s", refund_id, card.last_error)
    return card


def refund_send(*, card_refund_id: int, repair: bool = False) -> CardRefund:
    """Phase two: call Stripe (never inside a transaction) and record the answer."""
    card = CardRefund.objects.select_related("payment").get(pk=card_refund_id)
    if card.status != CardRefund.Status.CALLING or card.payment is None:
        return card
    payment = card.payment
    found = _find_refund(card) if repair else None
    try:
        result = found or gateway.refund_create(
            intent_id=payment.intent_id or "",
            amount=card.amount,
            idempotency_key=gateway.idempotency_key("refund", card.pk, card.attempt),
            metadata={"card_refund": str(card.pk), "enrolment": str(payment.enrolment_id)},
        )
    except gateway.GatewayError as exc:
        update = {"last_error": exc.message[:500]}
        if not exc.outcome_unknown and not isinstance(exc, gateway.GatewayNotConfigured):
            update["status"] = CardRefund.Status.FAILED
        CardRefund.objects.filter(pk=card.pk, status=CardRefund.Status.CALLING).update(**update)
        card.refresh_from_db()
        return card
    CardRefund.objects.filter(pk=card.pk, status=CardRefund.Status.CALLING).update(
        status=CardRefund.Status.PENDING, stripe_refund_id=result.id, last_error=""
    )
    refund_sync(result=result)
    card.refresh_from_db()
    return card


def _find_refund(card: CardRefund) -> gateway.RefundResult | None:
    for result in gateway.refunds_since(since=card.created_at - dt.timedelta(minutes=5)):
        if result.metadata.get("card_refund") == str(card.pk):
            return result
    return None


def refund_sync_by_id(*, refund_id: str) -> None:
    if CardRefund.objects.filter(stripe_refund_id=refund_id).exists():
        refund_sync(result=gateway.refund_retrieve(refund_id=refund_id))


def refund_sync(*, result: gateway.RefundResult) -> None:
    """Act on a Stripe refund's current state; harmless to repeat."""
    with transaction.atomic():
        card = (
            CardRefund.objects.select_for_update(of=("self",))
            .select_related("payment", "refund")
            .filter(stripe_refund_id=result.id)
            .first()
        )
        if card is None or card.status in (CardRefund.Status.SUCCEEDED, CardRefund.Status.FAILED):
            return
        if result.status in ("failed", "canceled"):
            card.status = CardRefund.Status.FAILED
            card.last_error = f"Stripe reports the refund {result.status}."
            card.save(update_fields=["status", "last_error", "updated_at"])
            return
        if result.status != "succeeded":
            return
        enrolment = Enrolment.objects.select_related("cohort__course").get(
            pk=card.refund.enrolment_id
        )
        posting = ledger_post(
            kind=LedgerTransaction.Kind.CARD_REFUND,
            currency=card.currency,
            lines=[
                (co_payment_hold_account(enrolment), -card.amount),
                (card_clearing_account(card.currency), card.amount),
            ],
            memo=f"Co-payment refunded to the card for enrolment {enrolment.pk} ({result.id})",
            idempotency_key=f"card_refund:{card.pk}",
        )
        card.status = CardRefund.Status.SUCCEEDED
        card.transaction_id = posting.transaction_id
        card.save(update_fields=["status", "transaction", "updated_at"])
        Refund.objects.filter(pk=card.refund_id).update(status=Refund.Status.REFUNDED)


def pending_refunds() -> list[int]:
    """Refunds owed with no card refund yet (the sweep's work list)."""
    return list(
        Refund.objects.filter(status=Refund.Status.PENDING, card_refund__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
