"""Card payments and refunds as reconciliation sources: our records and Stripe's line up by
key; a crafted difference shows."""

from __future__ import annotations

import datetime as dt

import pytest

from payments import gateway
from payments.models import CardPayment
from payments.services.card_reconciliation import CardPaymentSource, CardRefundSource, Record
from tests.payments.card_helpers import (
    CO_PAYMENT,
    Capture,
    accept,
    card_payment,
    co_payment_world,
    deliver,
    pay,
)

pytestmark = pytest.mark.django_db


def by_key(records: object) -> dict[str, Record]:
    return {r.key: r for r in records}  # type: ignore[attr-defined]


def test_our_card_payments_and_refunds_match_stripes(
    stripe_settings: str, django_capture_on_commit_callbacks: Capture
) -> None:
    from enrolments.models import Refund

    world = co_payment_world()
    enrolment = accept(world, django_capture_on_commit_callbacks)
    deliver(django_capture_on_commit_callbacks, pay(stripe_settings, enrolment))
    with django_capture_on_commit_callbacks(execute=True):
        Refund.objects.create(enrolment=enrolment, amount=5_000, currency="GBP", reason="Part")
    payment = card_payment(enrolment)
    since = payment.created_at - dt.timedelta(minutes=1)

    source = CardPaymentSource()
    ours, theirs = by_key(source.ours(since)), by_key(source.theirs(since))
    key = str(payment.pk)
    assert ours[key] == theirs[key]
    assert ours[key] == Record(
        "card_payment", key, payment.intent_id, CO_PAYMENT, "GBP", "succeeded"
    )

    refunds = CardRefundSource()
    ours_r, theirs_r = by_key(refunds.ours(since)), by_key(refunds.theirs(since))
    refund_key = str(payment.refunds.get().pk)
    assert ours_r[refund_key] == theirs_r[refund_key]
    assert ours_r[refund_key].amount == 5_000


def test_a_crafted_difference_shows(
    stripe_settings: str, django_capture_on_commit_callbacks: Capture
) -> None:
    world = co_payment_world()
    enrolment = accept(world, django_capture_on_commit_callbacks)
    payment = card_payment(enrolment)
    since = payment.created_at - dt.timedelta(minutes=1)
    # Paid on Stripe, but the webhook never came: ours says pending, theirs succeeded.
    pay(stripe_settings, enrolment)
    # And an intent on Stripe that we never recorded.
    stray = gateway.payment_intent_create(
        amount=999, currency="GBP", idempotency_key="stray", metadata={}
    )
    source = CardPaymentSource()
    ours, theirs = by_key(source.ours(since)), by_key(source.theirs(since))
    key = str(payment.pk)
    assert (ours[key].status, theirs[key].status) == ("pending", "succeeded")
    assert f"stripe:{stray.id}" in theirs
    assert f"stripe:{stray.id}" not in ours
    assert CardPayment.objects.get(pk=payment.pk).status == CardPayment.Status.OPEN
