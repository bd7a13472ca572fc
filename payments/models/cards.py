"""Card payments through Stripe: co-payments, their refunds, and the webhook events received.

Every Stripe call follows "record, commit, call, record": the row is written as `calling`
before the call, so a crash between the call and recording its answer leaves a row that
the repair task (`payments.repair_card_calls`) resolves by asking Stripe.
"""

from __future__ import annotations

from django.db import models

from enrolments.models import Enrolment, Refund
from wallets.models import LedgerTransaction


class CardPayment(models.Model):
    """One co-payment by card: one Stripe PaymentIntent for one enrolment."""

    class Status(models.TextChoices):
        CALLING = "calling", "Creating the payment on Stripe"
        OPEN = "open", "Awaiting the learner's card"
        SUCCEEDED = "succeeded", "Paid"
        CANCELED = "canceled", "Cancelled"
        FAILED = "failed", "Could not be created"

    enrolment = models.OneToOneField(
        Enrolment, on_delete=models.PROTECT, related_name="card_payment"
    )
    amount = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.CALLING)
    attempt = models.PositiveSmallIntegerField(default=0)
    intent_id = models.CharField(max_length=255, unique=True, null=True, blank=True)
    # Given to the learner's browser only (the checkout page); Stripe.js needs it.
    client_secret = models.CharField(max_length=255, blank=True)
    stripe_status = models.CharField(max_length=40, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    transaction = models.ForeignKey(
        LedgerTransaction, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    paid_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="card_payment_positive")
        ]

    def __str__(self) -> str:
        return f"Card payment {self.pk} for enrolment {self.enrolment_id} ({self.status})"


class CardRefund(models.Model):
    """A refund owed (enrolments.Refund) sent back to the card it was paid with."""

    class Status(models.TextChoices):
        CALLING = "calling", "Sending to Stripe"
        PENDING = "pending", "Pending at Stripe"
        SUCCEEDED = "succeeded", "Refunded"
        FAILED = "failed", "Failed (staff to act)"

    refund = models.OneToOneField(Refund, on_delete=models.PROTECT, related_name="card_refund")
    payment = models.ForeignKey(
        CardPayment, null=True, blank=True, on_delete=models.PROTECT, related_name="refunds"
    )
    amount = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.CALLING)
    attempt = models.PositiveSmallIntegerField(default=0)
    stripe_refund_id = models.CharField(max_length=255, unique=True, null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    transaction = models.ForeignKey(
        LedgerTransaction, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="card_refund_positive")
        ]

    def __str__(self) -> str:
        return f"Card refund {self.pk} ({self.status})"


class StripeEvent(models.Model):
    """A webhook event, stored once by Stripe's id and processed by a Celery task."""

    class Status(models.TextChoices):
        RECEIVED = "received", "Received"
        PROCESSING = "processing", "Processing"
        PROCESSED = "processed", "Processed"
        IGNORED = "ignored", "Ignored (no handler)"
        FAILED = "failed", "Failed (retrying)"

    event_id = models.CharField(max_length=255, unique=True)
    type = models.CharField(max_length=100)
    payload = models.JSONField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RECEIVED)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "received_at"])]

    def __str__(self) -> str:
        return f"{self.type} {self.event_id} ({self.status})"
