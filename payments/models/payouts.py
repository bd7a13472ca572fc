"""Provider payouts through Stripe Connect, and the reconciliation runs that compare our
records with Stripe's (docs/payouts.md)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from payments.gateway.core import idempotency_key


class ConnectedAccount(models.Model):
    """A provider's Stripe Connect Express account. `stripe_account_id` is empty while the
    creation call has not answered (recorded intent)."""

    provider = models.OneToOneField(
        "providers.Provider", on_delete=models.PROTECT, related_name="connected_account"
    )
    stripe_account_id = models.CharField(max_length=64, unique=True, null=True, blank=True)
    payouts_enabled = models.BooleanField(default=False)
    details_submitted = models.BooleanField(default=False)
    links_created = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.stripe_account_id or 'pending'} for provider {self.provider_id}"


class Payout(models.Model):
    """One transfer of a provider's payable balance to its connected account.

    calling: the money is in transit on the ledger and the transfer is being (or may have
    been) made; paid: Stripe confirmed the transfer (ledger: paid out); failed: Stripe
    refused it (ledger: back to payable); reversed: the transfer was reversed (back to
    payable).
    """

    class Status(models.TextChoices):
        CALLING = "calling", "Calling Stripe"
        PAID = "paid", "Paid"
        FAILED = "failed", "Failed (returned to payable)"
        REVERSED = "reversed", "Reversed (returned to payable)"

    provider = models.ForeignKey(
        "providers.Provider", on_delete=models.PROTECT, related_name="payouts"
    )
    connected_account = models.ForeignKey(
        ConnectedAccount, on_delete=models.PROTECT, related_name="payouts"
    )
    amount = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.CALLING)
    attempt = models.PositiveIntegerField(default=1)
    stripe_transfer_id = models.CharField(max_length=64, unique=True, null=True, blank=True)
    amount_returned = models.BigIntegerField(default=0)
    error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    called_at = models.DateTimeField(null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    returned_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="payout_amount_positive"),
            models.CheckConstraint(
                condition=models.Q(amount_returned__gte=0)
                & models.Q(amount_returned__lte=models.F("amount")),
                name="payout_returned_within_amount",
            ),
            # One payout at a time per provider and currency: the next waits for the answer.
            models.UniqueConstraint(
                fields=["provider", "currency"],
                condition=models.Q(status="calling"),
                name="one_calling_payout_per_provider",
            ),
        ]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return f"Payout {self.pk}: {self.amount} {self.currency} ({self.status})"

    @property
    def transfer_group(self) -> str:
        return f"payout-{self.pk}"

    @property
    def idempotency_key(self) -> str:
        return idempotency_key("payout", self.pk, self.attempt)


class PayoutItem(models.Model):
    """A milestone payment a payout covers. A milestone is in at most one live payout: a
    failed or reversed payout releases its items (`returned`) for the next one."""

    payout = models.ForeignKey(Payout, on_delete=models.PROTECT, related_name="items")
    milestone_payment = models.ForeignKey(
        "enrolments.MilestonePayment", on_delete=models.PROTECT, related_name="payout_items"
    )
    amount = models.BigIntegerField()
    returned = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["milestone_payment"],
                condition=models.Q(returned=False),
                name="milestone_in_one_live_payout",
            ),
        ]

    def __str__(self) -> str:
        return f"Milestone payment {self.milestone_payment_id} in payout {self.payout_id}"


class ReconciliationRun(models.Model):
    """One comparison of our records with Stripe's since a date; its differences below."""

    since = models.DateTimeField()
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    differences_count = models.PositiveIntegerField(default=0)
    error = models.CharField(max_length=500, blank=True)

    def __str__(self) -> str:
        return f"Reconciliation since {self.since:%Y-%m-%d}: {self.differences_count} differences"


class ReconciliationDifference(models.Model):
    class Problem(models.TextChoices):
        MISSING_OURS = "missing_ours", "On Stripe, not in our records"
        MISSING_STRIPE = "missing_stripe", "In our records, not on Stripe"
        AMOUNT = "amount_mismatch", "Amounts differ"
        STATUS = "status_mismatch", "Statuses differ"

    run = models.ForeignKey(ReconciliationRun, on_delete=models.CASCADE, related_name="differences")
    kind = models.CharField(max_length=32)
    key = models.CharField(max_length=120)
    problem = models.CharField(max_length=20, choices=Problem.choices)
    stripe_id = models.CharField(max_length=64, blank=True)
    currency = models.CharField(max_length=3)
    our_amount = models.BigIntegerField(null=True, blank=True)
    their_amount = models.BigIntegerField(null=True, blank=True)
    our_status = models.CharField(max_length=32, blank=True)
    their_status = models.CharField(max_length=32, blank=True)

    def __str__(self) -> str:
        return f"{self.kind} {self.key}: {self.problem}"
