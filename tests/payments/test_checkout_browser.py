"""A learner pays a co-payment in a real browser (headless Chromium) against localstripe:
signs in through /accounts/login/, types test card 4242 4242 4242 4242 into Stripe.js's card
field, pays; localstripe then delivers its signed webhook to the live server, which acts on
it once. Screenshots go to test-artifacts/."""

from __future__ import annotations

import time
from typing import Any

import pytest
import requests
from playwright.sync_api import Browser, expect

from enrolments.models import Enrolment
from payments.models import CardPayment, StripeEvent
from tests.browser import screenshot
from tests.factories import PASSWORD
from tests.payments.card_helpers import CO_PAYMENT, co_payment_held, co_payment_world
from tests.stripe_local import WEBHOOK_SECRET
from wallets.models import LedgerTransaction
from wallets.verification import ledger_verify

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_learner_pays_the_co_payment_in_the_browser_with_a_test_card(
    browser: Browser, live_server: Any, stripe_settings: str
) -> None:
    requests.post(
        f"{stripe_settings}/_config/webhooks/browser-test",
        data={
            "url": f"{live_server.url}/api/v1/payments/stripe/webhook",
            "secret": WEBHOOK_SECRET,
        },
        timeout=10,
    ).raise_for_status()
    world = co_payment_world()
    enrolment = world.offered()

    context = browser.new_context(viewport={"width": 1100, "height": 900}, locale="en-GB")
    page = context.new_page()
    try:
        checkout = f"/payments/checkout/{enrolment.pk}"
        page.goto(f"{live_server.url}{checkout}")
        assert page.url.startswith(f"{live_server.url}/accounts/login/")
        page.get_by_label("Email").fill(enrolment.learner.email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{live_server.url}{checkout}")
        expect(page.get_by_role("heading", name="Your offer")).to_be_visible()
        expect(page.locator("#co-payment")).to_have_text("£200.00")
        page.get_by_role("button", name="Accept and pay £200.00").click()
        # A transactional test: the PaymentIntent is created at commit, as in production.
        expect(page.get_by_role("heading", name="Pay your co-payment")).to_be_visible()
        enrolment.refresh_from_db()
        assert enrolment.status == Enrolment.Status.PAYMENT_PENDING
        assert CardPayment.objects.get(enrolment=enrolment).status == CardPayment.Status.OPEN
        expect(page.locator("#amount")).to_have_text("£200.00")

        card = page.locator("#card-element")
        card.get_by_placeholder("number").fill("4242424242424242")
        card.get_by_placeholder("exp_month").fill("12")
        card.get_by_placeholder("exp_year").fill("30")
        card.get_by_placeholder("cvc").fill("123")
        card.get_by_placeholder("postal_code").fill("TS1 1AA")
        screenshot(page, "checkout-card-entered")
        page.get_by_role("button", name="Pay £200.00").click()

        expect(page.locator("#result")).to_have_text("Paid. Your place is confirmed.")
        shot = screenshot(page, "checkout-paid")
        assert shot.stat().st_size > 0
    finally:
        context.close()

    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.ACCEPTED
    assert co_payment_held(enrolment) == CO_PAYMENT
    # localstripe delivers payment_intent.succeeded a second later: stored, acted on as a
    # no-op (the page already recorded the payment), never posted twice.
    deadline = time.monotonic() + 15
    while (
        time.monotonic() < deadline
        and not StripeEvent.objects.filter(
            type="payment_intent.succeeded", status=StripeEvent.Status.PROCESSED
        ).exists()
    ):
        time.sleep(0.2)
    assert StripeEvent.objects.filter(
        type="payment_intent.succeeded", status=StripeEvent.Status.PROCESSED
    ).exists()
    assert LedgerTransaction.objects.filter(kind="card_payment").count() == 1
    assert ledger_verify().ok
