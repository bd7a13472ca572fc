"""Refunds owed to learners become Stripe refunds (after commit), never more than was paid."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from enrolments.models import Enrolment, Refund
from enrolments.services import enrolment_withdraw
from payments import gateway
from payments.models import CardPayment, CardRefund
from tests.payments.card_helpers import (
    CO_PAYMENT,
    Capture,
    accept,
    card_payment,
    co_payment_held,
    co_payment_world,
    deliver,
    pay,
)
from wallets.models import LedgerTransaction
from wallets.verification import ledger_verify

pytestmark = pytest.mark.django_db


def paid_enrolment(base: str, capture: Capture, *, days_to_start: int = 10) -> Enrolment:
    world = co_payment_world()
    world.run_cohort(days_ago=-days_to_start, days=1)  # starts in the future
    enrolment = accept(world, capture)
    deliver(capture, pay(base, enrolment))
    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.ACCEPTED
    return enrolment


def owe(capture: Capture, enrolment: Enrolment, amount: int) -> CardRefund:
    with capture(execute=True):
        refund = Refund.objects.create(
            enrolment=enrolment, amount=amount, currency="GBP", reason="Test refund"
        )
    return CardRefund.objects.get(refund=refund)


def stripe_refunds_for(payment: CardPayment) -> list[gateway.RefundResult]:
    since = payment.created_at - dt.timedelta(hours=1)
    return [r for r in gateway.refunds_since(since=since) if r.payment_intent == payment.intent_id]


def test_a_refund_never_exceeds_the_payment(
    stripe_settings: str, django_capture_on_commit_callbacks: Capture
) -> None:
    enrolment = paid_enrolment(stripe_settings, django_capture_on_commit_callbacks)
    payment = card_payment(enrolment)

    too_much = owe(django_capture_on_commit_callbacks, enrolment, CO_PAYMENT + 1)
    assert too_much.status == CardRefund.Status.FAILED
    assert "only £200.00" in too_much.last_error
    assert stripe_refunds_for(payment) == []

    part = owe(django_capture_on_commit_callbacks, enrolment, 15_000)
    assert part.status == CardRefund.Status.SUCCEEDED
    assert part.refund.status == Refund.Status.REFUNDED
    rest_plus_one = owe(django_capture_on_commit_callbacks, enrolment, 5_001)
    assert rest_plus_one.status == CardRefund.Status.FAILED
    rest = owe(django_capture_on_commit_callbacks, enrolment, 5_000)
    assert rest.status == CardRefund.Status.SUCCEEDED
    nothing_left = owe(django_capture_on_commit_callbacks, enrolment, 1)
    assert nothing_left.status == CardRefund.Status.FAILED

    assert sorted(r.amount for r in stripe_refunds_for(payment)) == [5_000, 15_000]
    assert co_payment_held(enrolment) == 0
    assert LedgerTransaction.objects.filter(kind="card_refund").count() == 2
    assert ledger_verify().ok


def test_a_refund_with_no_card_payment_is_failed_for_staff(
    stripe_settings: str,  # noqa: ARG001
    django_capture_on_commit_callbacks: Capture,
) -> None:
    world = co_payment_world()
    enrolment = world.offered()
    card = owe(django_capture_on_commit_callbacks, enrolment, 100)
    assert card.status == CardRefund.Status.FAILED
    assert "No card payment" in card.last_error


def test_withdrawing_in_the_cooling_off_period_refunds_the_co_payment_in_full(
    stripe_settings: str, django_capture_on_commit_callbacks: Capture
) -> None:
    enrolment = paid_enrolment(stripe_settings, django_capture_on_commit_callbacks)
    with (
        time_machine.travel(timezone.now() + dt.timedelta(days=5), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        enrolment_withdraw(actor=enrolment.learner, enrolment=enrolment, reason="Changed my mind")
    refund = enrolment.refunds.get()
    assert (refund.amount, refund.status) == (CO_PAYMENT, Refund.Status.REFUNDED)
    assert [r.amount for r in stripe_refunds_for(card_payment(enrolment))] == [CO_PAYMENT]
    assert co_payment_held(enrolment) == 0
    assert ledger_verify().ok


@pytest.mark.parametrize(("days_after", "days_to_start"), [(15, 30), (3, 2)])
def test_withdrawing_after_cooling_off_or_from_the_start_refunds_nothing(
    stripe_settings: str,
    django_capture_on_commit_callbacks: Capture,
    days_after: int,
    days_to_start: int,
) -> None:
    enrolment = paid_enrolment(
        stripe_settings, django_capture_on_commit_callbacks, days_to_start=days_to_start
    )
    with (
        time_machine.travel(timezone.now() + dt.timedelta(days=days_after), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        enrolment_withdraw(actor=enrolment.learner, enrolment=enrolment)
    assert not enrolment.refunds.exists()
    assert co_payment_held(enrolment) == CO_PAYMENT
    assert ledger_verify().ok


def test_a_refund_whose_answer_was_lost_is_repaired_once(
    stripe_settings: str, django_capture_on_commit_callbacks: Capture, settings: object
) -> None:
    from payments.tasks import repair_card_calls

    enrolment = paid_enrolment(stripe_settings, django_capture_on_commit_callbacks)
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"  # type: ignore[attr-defined]
    card = owe(django_capture_on_commit_callbacks, enrolment, CO_PAYMENT)
    assert card.status == CardRefund.Status.CALLING
    settings.STRIPE_API_BASE = stripe_settings  # type: ignore[attr-defined]
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=3), tick=False):
        repair_card_calls()
        repair_card_calls()
    card.refresh_from_db()
    assert card.status == CardRefund.Status.SUCCEEDED
    assert [r.amount for r in stripe_refunds_for(card_payment(enrolment))] == [CO_PAYMENT]
    assert ledger_verify().ok
