"""Payments jobs (thin: they call services): the monthly repayment assessment, disclosure
PDFs, reminder emails; the daily provider payouts, their repair, and Stripe reconciliation."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from typing import Any

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from core.emails import send_templated_email
from payments.models import RepaymentAgreement
from payments.reconciliation import reconciliation_run
from payments.schedule import period_label
from payments.services import disclosure_pdf_ensure, repayments_assess_due
from payments.services.payouts import payouts_repair, payouts_run
from payments.services.repayments import due_periods


@shared_task(name="payments.assess_repayments")
def assess_repayments() -> dict[str, Any]:
    """Assess every agreement under way (monthly; safe to re-run: each month is assessed once)."""
    return asdict(repayments_assess_due())


@shared_task(name="payments.render_disclosure")
def render_disclosure(agreement_id: int) -> None:
    disclosure_pdf_ensure(agreement_id=agreement_id)


@shared_task(name="payments.send_declaration_reminder")
def send_declaration_reminder(agreement_id: int) -> bool:
    """Remind the learner of the months they have not declared (always sent: a deadline)."""
    agreement = (
        RepaymentAgreement.objects.select_related(
            "learner", "deferral__programme", "enrolment__cohort__course"
        )
        .filter(pk=agreement_id)
        .first()
    )
    if agreement is None or agreement.status != RepaymentAgreement.Status.REPAYING:
        return False
    declared = set(agreement.declarations.values_list("period", flat=True))
    missing = [
        period_label(p) for p in due_periods(agreement, timezone.localdate()) if p not in declared
    ]
    if not missing:
        return False
    send_templated_email(
        to=[agreement.learner.email],
        template="declaration_reminder",
        context={
            "name": agreement.learner.get_full_name(),
            "missing": missing,
            "course_title": agreement.enrolment.cohort.course.title,
            "programme_name": agreement.deferral.programme.name,
            "link": f"{settings.FRONTEND_URL}/api/v1/repayments/agreements/{agreement.pk}"
            "/declarations",
        },
    )
    return True


@shared_task(name="payments.pay_providers")
def pay_providers() -> dict[str, Any]:
    """Daily: each eligible provider's payable balance in one payout (docs/payouts.md)."""
    return asdict(payouts_run())


@shared_task(name="payments.repair_payouts")
def repair_payouts() -> list[int]:
    """Payouts left calling Stripe: ask Stripe, or retry with the same idempotency key."""
    return payouts_repair()


@shared_task(name="payments.reconcile_stripe")
def reconcile_stripe() -> int:
    """Daily: compare our records with Stripe's and store the differences for staff."""
    since = timezone.now() - dt.timedelta(days=settings.STRIPE_RECONCILE_DAYS)
    return reconciliation_run(since=since).differences_count


# --- Card payments (docs/payments.md) ----------------------------------------------------------


@shared_task(name="payments.open_payment_intent")
def open_payment_intent(payment_id: int) -> str:
    from payments.services.card_payments import payment_intent_open

    return payment_intent_open(payment_id=payment_id).status


@shared_task(name="payments.cancel_payment_intent")
def cancel_payment_intent(payment_id: int) -> None:
    from payments.services.card_payments import payment_intent_cancel

    payment_intent_cancel(payment_id=payment_id)


@shared_task(name="payments.send_refund")
def send_refund(refund_id: int) -> str:
    from payments.services.card_refunds import refund_record, refund_send

    card = refund_record(refund_id=refund_id)
    if card is None:
        return "none"
    return refund_send(card_refund_id=card.pk).status


@shared_task(name="payments.process_stripe_event")
def process_stripe_event(event_pk: int) -> str:
    from payments.webhooks import event_process

    return event_process(event_pk=event_pk)


@shared_task(name="payments.repair_card_calls")
def repair_card_calls() -> dict[str, int]:
    """Every few minutes: payments and refunds stuck "calling" ask Stripe what happened;
    refunds owed with no card refund are sent; failed webhook events are retried (backoff)."""
    from payments.models import CardRefund
    from payments.services.card_payments import payment_intent_open, stuck_payments
    from payments.services.card_refunds import pending_refunds, refund_record, refund_send
    from payments.webhooks import event_process, events_due_for_retry

    payments = stuck_payments()
    for payment_id in payments:
        payment_intent_open(payment_id=payment_id, repair=True)
    refunds = pending_refunds()
    for refund_id in refunds:
        card = refund_record(refund_id=refund_id)
        if card is not None:
            refund_send(card_refund_id=card.pk)
    stuck = list(
        CardRefund.objects.filter(
            status=CardRefund.Status.CALLING,
            updated_at__lt=timezone.now() - dt.timedelta(minutes=2),
        ).values_list("pk", flat=True)
    )
    for card_refund_id in stuck:
        refund_send(card_refund_id=card_refund_id, repair=True)
    events = events_due_for_retry()
    for event_pk in events:
        event_process(event_pk=event_pk)
    return {"payments": len(payments), "refunds": len(refunds) + len(stuck), "events": len(events)}
