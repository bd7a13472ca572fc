"""The checkout page: a learner pays their co-payment with Stripe.js (card data goes to
Stripe only, never to our server).

With real Stripe the page confirms the PaymentIntent in the browser (`confirmCardPayment`).
With localstripe (`STRIPE_API_BASE` set), whose Stripe.js cannot confirm a card, the page
turns the card into a token at localstripe and posts only the token's id here; the server
attaches it and confirms (`gateway.payment_intent_attach_and_confirm`). Either way the page
then re-reads the intent and acts on its state, as the webhook does.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from core.errors import DomainError
from enrolments.models import Enrolment
from enrolments.selectors import enrolment_get_for_learner
from enrolments.services import enrolment_accept
from payments import gateway
from payments.apis.stripe import checkout_payment
from payments.models import CardPayment
from payments.services.card_payments import (
    payment_reopen_if_lost,
    payment_sync,
    payment_sync_by_id,
)


def _offered_with_co_payment(request: HttpRequest, enrolment_id: int) -> Enrolment | None:
    """The learner's own offer with a co-payment, not yet accepted (else None)."""
    try:
        enrolment = enrolment_get_for_learner(user=request.user, enrolment_id=enrolment_id)
    except DomainError:
        return None
    if enrolment.status != Enrolment.Status.OFFERED or not enrolment.co_payment:
        return None
    return enrolment


def _payment_or_404(request: HttpRequest, enrolment_id: int) -> CardPayment | HttpResponse:
    try:
        return checkout_payment(user=request.user, enrolment_id=enrolment_id)
    except DomainError:
        return render(request, "payments/checkout_missing.html", status=404)


@login_required
@require_GET
def checkout_page(request: HttpRequest, enrolment_id: int) -> HttpResponse:
    offered = _offered_with_co_payment(request, enrolment_id)
    if offered is not None:
        return render(
            request,
            "payments/checkout_offer.html",
            {"enrolment": offered, "course": offered.cohort.course},
        )
    payment = _payment_or_404(request, enrolment_id)
    if isinstance(payment, HttpResponse):
        return payment
    if payment.status == CardPayment.Status.OPEN and payment.intent_id:
        try:
            payment = payment_reopen_if_lost(payment_id=payment.pk)
            payment_sync_by_id(intent_id=payment.intent_id or "")
        except gateway.GatewayError:
            messages.warning(request, "We could not reach the card processor; try again shortly.")
        payment.refresh_from_db()
    enrolment = Enrolment.objects.select_related("cohort__course__provider").get(
        pk=payment.enrolment_id
    )
    return render(
        request,
        "payments/checkout.html",
        {
            "payment": payment,
            "enrolment": enrolment,
            "course": enrolment.cohort.course,
            "stripe_js_url": settings.STRIPE_JS_URL,
            "publishable_key": settings.STRIPE_PUBLISHABLE_KEY,
            "client_secret": payment.client_secret
            if payment.status == CardPayment.Status.OPEN
            else "",
            "local_stripe": gateway.uses_local_stripe(),
        },
    )


@login_required
@require_POST
def checkout_accept(request: HttpRequest, enrolment_id: int) -> HttpResponse:
    """Accept the offer (the same service as the API): the seat and the wallet part are
    held and the co-payment's PaymentIntent is created at commit; then pay on the page."""
    offered = _offered_with_co_payment(request, enrolment_id)
    if offered is None:
        return redirect("payments-checkout", enrolment_id=enrolment_id)
    try:
        enrolment_accept(actor=request.user, enrolment=offered)  # type: ignore[arg-type]
    except DomainError as refusal:
        messages.error(request, refusal.detail)
    return redirect("payments-checkout", enrolment_id=enrolment_id)


@login_required
@require_POST
def checkout_confirm(request: HttpRequest, enrolment_id: int) -> HttpResponse:
    """localstripe only: attach the payment method Stripe.js made and confirm."""
    payment = _payment_or_404(request, enrolment_id)
    if isinstance(payment, HttpResponse):
        return payment
    method = request.POST.get("payment_method", "")
    if (
        not gateway.uses_local_stripe()
        or payment.status != CardPayment.Status.OPEN
        or not payment.intent_id
        or not method.startswith(("card_", "pm_", "src_"))
    ):
        messages.error(request, "This payment cannot be confirmed here.")
        return redirect("payments-checkout", enrolment_id=enrolment_id)
    try:
        intent = gateway.payment_intent_attach_and_confirm(
            intent_id=payment.intent_id, payment_method=method
        )
    except gateway.GatewayDeclined as exc:
        messages.error(request, f"Your card was declined: {exc.message}")
        return redirect("payments-checkout", enrolment_id=enrolment_id)
    except gateway.GatewayError:
        messages.error(request, "We could not reach the card processor; try again shortly.")
        return redirect("payments-checkout", enrolment_id=enrolment_id)
    payment_sync(intent=intent)
    return redirect("payments-checkout", enrolment_id=enrolment_id)
