"""The double-entry ledger. PostgreSQL enforces its invariants (see migration 0003):

- the entries of a transaction sum to zero per currency (deferred constraint trigger);
- entries and transactions are never updated or deleted (triggers); corrections are reversals;
- an account's `balance` is maintained by the entry trigger alone and equals the sum of its
  entries; CHECK keeps it at or above zero unless `allow_negative`;
- each entry carries its account's previous entry hash and its own (a tamper-evident chain).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class LedgerAccount(models.Model):
    class Kind(models.TextChoices):
        FUNDER_EXTERNAL = "funder_external", "Funder (money from outside)"
        PROGRAMME_BUDGET = "programme_budget", "Programme budget"
        WALLET_POT = "wallet_pot", "Wallet pot"
        PROVIDER_PAYABLE = "provider_payable", "Provider payable"
        ESCROW_HOLD = "escrow_hold", "Escrow hold"
        CARD_CLEARING = "card_clearing", "Card payments clearing"
        # Deferred fees (payments/): see docs/adr/0006-deferral-receivables-on-the-ledger.md.
        DEFERRAL_BUDGET = "deferral_budget", "Programme deferral budget"
        DEFERRAL_RECEIVABLE = "deferral_receivable", "Deferred fee owed by a learner"
        REPAYMENT_OWED = "repayment_owed", "Repayments due, awaiting collection"
        DEFERRAL_OBLIGATIONS = "deferral_obligations", "Learners' deferred-fee obligations"
        DEFERRAL_HOLD = "deferral_hold", "Escrow hold of a deferred fee"
        # Provider payouts (payments/, docs/payouts.md): payable → in transit → paid out.
        PAYOUT_IN_TRANSIT = "payout_in_transit", "Provider payout in transit"
        PAID_OUT = "paid_out", "Paid out to the provider's bank (Stripe)"
        # Card co-payments (payments/): see docs/adr/0010-stripe-gateway-and-webhooks.md.
        CO_PAYMENT_HOLD = "co_payment_hold", "Co-payment paid by card, held for a place"

    key = models.CharField(max_length=120, unique=True, help_text="e.g. pot:42, programme:3:budget")
    kind = models.CharField(max_length=32, choices=Kind.choices)
    name = models.CharField(max_length=200)
    currency = models.CharField(max_length=3)
    allow_negative = models.BooleanField(default=False)
    # Whose money this account holds, so that reports read the figures from the ledger: a
    # programme's budget, its learners' grant pots and the escrow holds its pots paid into
    # (`owner_programme`); the provider an account pays or holds for (`owner_provider`: its
    # payable account, and escrow holds for its courses). Set once (see migration 0006).
    owner_programme = models.ForeignKey(
        "wallets.FundingProgramme",
        null=True,
        blank=True,
        # Only an unused draft programme is ever deleted; its empty budget goes with it (the
        # database refuses to delete an account that has entries).
        on_delete=models.CASCADE,
        related_name="ledger_accounts",
    )
    owner_provider = models.ForeignKey(
        "providers.Provider",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ledger_accounts",
    )
    # Maintained only by the entry trigger; the database refuses any other change.
    balance = models.BigIntegerField(default=0, editable=False)
    entry_count = models.BigIntegerField(default=0, editable=False)
    last_hash = models.CharField(max_length=64, default="", editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(allow_negative=True) | models.Q(balance__gte=0),
                name="ledger_account_balance_not_negative",
            ),
            models.CheckConstraint(
                condition=models.Q(currency__regex=r"^[A-Z]{3}$"),
                name="ledger_account_currency_iso",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.key})"


class LedgerTransaction(models.Model):
    class Kind(models.TextChoices):
        PROGRAMME_FUNDING = "programme_funding", "Programme funded"
        GRANT = "grant", "Grant to a learner"
        SPEND = "spend", "Wallet spend"
        POT_EXPIRY = "pot_expiry", "Unspent grant returned on expiry"
        REVERSAL = "reversal", "Reversal"
        TOP_UP = "top_up", "Card top-up"
        ENROLMENT_HOLD = "enrolment_hold", "Funds held for a place"
        MILESTONE_RELEASE = "milestone_release", "Milestone paid to the provider"
        HOLD_RETURN = "hold_return", "Held funds returned"
        CLAWBACK = "clawback", "Milestone payment returned by the provider"
        TRANSFER = "transfer", "Transfer"
        DEFERRAL_FUNDING = "deferral_funding", "Deferral budget funded"
        DEFERRAL_DRAW = "deferral_draw", "Deferred part moved into a hold"
        DEFERRAL_RETURN = "deferral_return", "Unspent deferred part returned"
        REPAYMENT_DUE = "repayment_due", "Repayment assessed as due"
        REPAYMENT_WRITE_OFF = "repayment_write_off", "Deferred fee written off"
        PAYOUT = "payout", "Payable balance sent to the provider"
        PAYOUT_PAID = "payout_paid", "Payout transfer confirmed"
        PAYOUT_RETURN = "payout_return", "Failed or reversed payout returned to payable"
        CARD_PAYMENT = "card_payment", "Co-payment received by card"
        CARD_REFUND = "card_refund", "Co-payment refunded to the card"

    kind = models.CharField(max_length=32, choices=Kind.choices)
    idempotency_key = models.CharField(max_length=200, unique=True, null=True, blank=True)
    fingerprint = models.CharField(max_length=64, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    memo = models.CharField(max_length=500, blank=True)
    reverses = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["kind", "created_at"])]

    def __str__(self) -> str:
        return f"#{self.pk} {self.kind}"


class LedgerEntry(models.Model):
    transaction = models.ForeignKey(
        LedgerTransaction, on_delete=models.PROTECT, related_name="entries"
    )
    account = models.ForeignKey(LedgerAccount, on_delete=models.PROTECT, related_name="entries")
    amount = models.BigIntegerField(help_text="Minor units; positive credits, negative debits.")
    currency = models.CharField(max_length=3)
    # Set by the database trigger: position in the account's chain and the chain hashes.
    sequence = models.BigIntegerField(editable=False, default=0)
    prev_hash = models.CharField(max_length=64, editable=False, default="")
    hash = models.CharField(max_length=64, editable=False, default="")
    balance_after = models.BigIntegerField(editable=False, default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(amount=0), name="ledger_entry_amount_not_zero"
            ),
            models.UniqueConstraint(
                fields=["account", "sequence"], name="ledger_entry_account_sequence"
            ),
        ]
        indexes = [models.Index(fields=["transaction"])]

    def __str__(self) -> str:
        return f"{self.amount} {self.currency} on {self.account_id}"


class LedgerVerificationRun(models.Model):
    """One run of the ledger verification (`manage.py ledger_verify` or the daily beat task),
    kept so auditors see the latest result and when it ran (docs/audit-controls.md)."""

    class Trigger(models.TextChoices):
        COMMAND = "command", "manage.py ledger_verify"
        SCHEDULE = "schedule", "Daily scheduled run"

    trigger = models.CharField(max_length=16, choices=Trigger.choices)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()
    ok = models.BooleanField()
    accounts_checked = models.PositiveIntegerField()
    entries_checked = models.BigIntegerField()
    transactions_checked = models.BigIntegerField()
    breaks = models.PositiveIntegerField()
    first_break = models.TextField(blank=True)

    class Meta:
        ordering = ["-finished_at", "-pk"]

    def __str__(self) -> str:
        return f"Ledger {'OK' if self.ok else 'BROKEN'} at {self.finished_at:%Y-%m-%d %H:%M}"
