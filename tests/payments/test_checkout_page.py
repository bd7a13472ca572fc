"""The checkout page's refusals: signed-out visitors sign in first, another learner's
enrolment is not found, and the server-side confirm exists only with localstripe."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from payments.models import CardPayment
from tests.payments.card_helpers import Capture, accept, card_payment, co_payment_world

pytestmark = pytest.mark.django_db


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_signed_out_visitor_is_sent_to_sign_in(
    stripe_settings: str,  # noqa: ARG001
    django_capture_on_commit_callbacks: Capture,
) -> None:
    enrolment = accept(co_payment_world(), django_capture_on_commit_callbacks)
    answer = Client().get(f"/payments/checkout/{enrolment.pk}")
    assert answer.status_code == 302
    assert answer["Location"].startswith("/accounts/login/?next=")


def test_another_learners_checkout_page_is_not_found(
    stripe_settings: str,  # noqa: ARG001
    django_capture_on_commit_callbacks: Capture,
) -> None:
    world = co_payment_world()
    enrolment = accept(world, django_capture_on_commit_callbacks)
    other = signed_in(world.learner())
    assert other.get(f"/payments/checkout/{enrolment.pk}").status_code == 404
    assert other.post(f"/payments/checkout/{enrolment.pk}/accept").status_code == 302
    answer = other.post(
        f"/payments/checkout/{enrolment.pk}/confirm", {"payment_method": "pm_card_visa"}
    )
    assert answer.status_code == 404
    assert card_payment(enrolment).status == CardPayment.Status.OPEN


def test_the_server_side_confirm_is_refused_with_real_stripe(
    stripe_settings: str,  # noqa: ARG001
    django_capture_on_commit_callbacks: Capture,
    settings: Any,
) -> None:
    enrolment = accept(co_payment_world(), django_capture_on_commit_callbacks)
    settings.STRIPE_API_BASE = ""  # the SDK's default: real Stripe confirms in the browser
    learner = signed_in(enrolment.learner)
    answer = learner.post(
        f"/payments/checkout/{enrolment.pk}/confirm", {"payment_method": "pm_card_visa"}
    )
    assert answer.status_code == 302
    assert card_payment(enrolment).status == CardPayment.Status.OPEN
    enrolment.refresh_from_db()
    assert enrolment.status == "payment_pending"


def test_the_learner_pays_through_the_page_in_local_mode(
    stripe_settings: str,  # noqa: ARG001
    django_capture_on_commit_callbacks: Capture,
) -> None:
    enrolment = accept(co_payment_world(), django_capture_on_commit_callbacks)
    learner = signed_in(enrolment.learner)
    page = learner.get(f"/payments/checkout/{enrolment.pk}")
    assert page.status_code == 200
    assert card_payment(enrolment).client_secret in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        learner.post(
            f"/payments/checkout/{enrolment.pk}/confirm",
            {"payment_method": "pm_card_chargeCustomerFail"},
        )
    enrolment.refresh_from_db()
    assert enrolment.status == "payment_pending"
    paid = learner.get(f"/payments/checkout/{enrolment.pk}")
    assert "declined" in paid.content.decode()


def test_a_local_restart_that_lost_the_intent_opens_a_new_one(
    stripe_settings: str,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    from payments import gateway

    enrolment = accept(co_payment_world(), django_capture_on_commit_callbacks)
    CardPayment.objects.filter(enrolment=enrolment).update(intent_id="pi_lost_in_a_restart")
    page = signed_in(enrolment.learner).get(f"/payments/checkout/{enrolment.pk}")
    assert page.status_code == 200
    payment = card_payment(enrolment)
    assert (payment.status, payment.attempt) == (CardPayment.Status.OPEN, 1)
    assert payment.intent_id != "pi_lost_in_a_restart"
    intent = gateway.payment_intent_retrieve(intent_id=payment.intent_id or "")
    assert intent.metadata["card_payment"] == str(payment.pk)
    assert payment.client_secret in page.content.decode()
    assert stripe_settings
