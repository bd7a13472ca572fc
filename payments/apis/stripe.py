"""Stripe's webhook endpoint and the learner's checkout resource for a co-payment."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.errors import NotFound, error_body
from core.jobs import enqueue_on_commit
from core.schema import ERROR_RESPONSES, NOT_FOUND, error
from enrolments.selectors import enrolment_get_for_learner
from payments import gateway
from payments.models import CardPayment
from payments.services.card_payments import payment_intent_open
from payments.webhooks import event_store


class StripeWebhookApi(APIView):
    """Stripe calls this with signed events; nobody signs in."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    throttle_classes: list[Any] = []

    @extend_schema(
        operation_id="payments_stripe_webhook",
        request=OpenApiTypes.OBJECT,
        responses={
            200: inline_serializer(
                name="StripeWebhookAnswer",
                fields={
                    "received": serializers.BooleanField(),
                    "duplicate": serializers.BooleanField(),
                },
            ),
            400: error("Missing or wrong `Stripe-Signature`, or not an event (`bad_signature`)."),
        },
        summary="Receive a Stripe webhook event (signed by Stripe)",
    )
    def post(self, request: Request) -> Response:
        """The signature is checked on the raw body with `STRIPE_WEBHOOK_SECRET`; a bad or
        missing one is a 400 and nothing is stored. Each event is stored once by its id and
        processed by a task; a repeated delivery answers `duplicate: true` and does nothing.
        Types we do not handle are acknowledged."""
        try:
            event = gateway.webhook_event(
                payload=request._request.body, signature=request.headers.get("Stripe-Signature")
            )
        except gateway.SignatureInvalid as exc:
            return Response(
                error_body(exc.message, "bad_signature"), status=status.HTTP_400_BAD_REQUEST
            )
        if not event.get("id") or not event.get("type"):
            return Response(
                error_body("Not a Stripe event.", "bad_signature"),
                status=status.HTTP_400_BAD_REQUEST,
            )
        row, created = event_store(event)
        if created:
            from payments.tasks import process_stripe_event

            enqueue_on_commit(process_stripe_event, row.pk)
        return Response({"received": True, "duplicate": not created})


class StripeWebhookSlashApi(StripeWebhookApi):
    """The same endpoint at the slashed address the issue names (not in the schema: the API
    has no trailing slashes)."""

    schema = None


class CheckoutSerializer(serializers.Serializer):
    enrolment_id = serializers.IntegerField()
    status = serializers.CharField(
        help_text="`calling`, `open`, `succeeded`, `canceled`, `failed`."
    )
    amount = serializers.IntegerField(help_text="The co-payment, in minor units.")
    currency = serializers.CharField()
    pay_by = serializers.DateTimeField(allow_null=True)
    client_secret = serializers.CharField(
        help_text="The PaymentIntent's client secret for Stripe.js; empty once paid."
    )
    publishable_key = serializers.CharField()
    checkout_url = serializers.CharField(help_text="The checkout page, to pay in a browser.")


def checkout_answer(payment: CardPayment) -> dict[str, Any]:
    open_ = payment.status == CardPayment.Status.OPEN
    return {
        "enrolment_id": payment.enrolment_id,
        "status": payment.status,
        "amount": payment.amount,
        "currency": payment.currency,
        "pay_by": payment.enrolment.payment_due_at,
        "client_secret": payment.client_secret if open_ else "",
        "publishable_key": settings.STRIPE_PUBLISHABLE_KEY,
        "checkout_url": f"{settings.FRONTEND_URL}/payments/checkout/{payment.enrolment_id}",
    }


def checkout_payment(*, user: Any, enrolment_id: int) -> CardPayment:
    """The learner's own card payment for an enrolment (another's is a 404); a payment still
    being created on Stripe is created now (outside any transaction)."""
    enrolment = enrolment_get_for_learner(user=user, enrolment_id=enrolment_id)
    payment = CardPayment.objects.select_related("enrolment").filter(enrolment=enrolment).first()
    if payment is None:
        raise NotFound("This enrolment has no co-payment to pay by card.")
    if payment.status == CardPayment.Status.CALLING:
        payment = payment_intent_open(payment_id=payment.pk, repair=True)
    return payment


class CheckoutApi(APIView):
    @extend_schema(
        operation_id="enrolment_checkout",
        responses={
            200: CheckoutSerializer,
            **ERROR_RESPONSES,
            **NOT_FOUND,
            503: OpenApiResponse(description="Stripe could not be reached; try again."),
        },
        summary="The card payment of your co-payment: client secret for Stripe.js",
    )
    def get(self, request: Request, enrolment_id: int) -> Response:
        """After accepting an offer with a co-payment the enrolment is `payment_pending` until
        the card payment succeeds (or `pay_by` passes: the seat and held funds return). Pay
        with Stripe.js using `client_secret` and `publishable_key`, or open `checkout_url` in
        a browser."""
        payment = checkout_payment(user=request.user, enrolment_id=enrolment_id)
        return Response(CheckoutSerializer(checkout_answer(payment)).data)
