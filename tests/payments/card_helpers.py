"""Helpers for card payment tests: a world with a flat co-payment, accepting, paying and
delivering localstripe's own events to our webhook, signed."""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

from django.test import Client

from enrolments.models import Enrolment
from enrolments.services import enrolment_accept
from payments.models import CardPayment
from tests.enrolments.helpers import World, make_world
from tests.stripe_local import pay_intent, sign, stripe_events
from users.models import User
from wallets.models import LedgerAccount, WalletPot

WEBHOOK = "/api/v1/payments/stripe/webhook"
CO_PAYMENT = 20_000
Capture = Callable[..., AbstractContextManager[Any]]


def co_payment_world(*, capacity: int = 20) -> World:
    return make_world(capacity=capacity, co_payment_kind="flat", co_payment_flat=CO_PAYMENT)


def accept(world: World, capture: Capture, learner: User | None = None) -> Enrolment:
    enrolment = world.offered(learner)
    with capture(execute=True):
        return enrolment_accept(actor=enrolment.learner, enrolment=enrolment)


def card_payment(enrolment: Enrolment) -> CardPayment:
    return CardPayment.objects.get(enrolment=enrolment)


def pay(base: str, enrolment: Enrolment, payment_method: str = "pm_card_visa") -> dict[str, Any]:
    """The learner's browser pays (against localstripe); returns Stripe's event about it."""
    intent_id = card_payment(enrolment).intent_id or ""
    answer = pay_intent(base, intent_id, payment_method)
    kind = (
        "payment_intent.succeeded"
        if payment_method == "pm_card_visa"
        else ("payment_intent.payment_failed")
    )
    events = stripe_events(base, kind, intent_id)
    assert events, f"localstripe recorded no {kind} for {intent_id}: {answer}"
    return events[0]


def deliver(
    capture: Capture, event: dict[str, Any], signature: str | None = None
) -> tuple[int, dict[str, Any]]:
    body = json.dumps(event).encode()
    headers = {} if signature == "" else {"Stripe-Signature": signature or sign(body)}
    with capture(execute=True):
        response = Client().post(
            WEBHOOK, data=body, content_type="application/json", headers=headers
        )
    return response.status_code, response.json()


def pot_balance(learner: User) -> int:
    return sum(
        WalletPot.objects.filter(wallet__learner=learner).values_list("account__balance", flat=True)
    )


def co_payment_held(enrolment: Enrolment) -> int:
    account = LedgerAccount.objects.filter(key=f"co_payment:enrolment:{enrolment.pk}").first()
    return account.balance if account else 0
