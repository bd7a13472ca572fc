"""A learner's wallet and its pots (one per grant, earmarked; one personal top-up pot)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models

from wallets.models.ledger import LedgerAccount
from wallets.models.programmes import FundingProgramme, Grant


class Wallet(models.Model):
    learner = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="wallet"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Wallet of {self.learner}"


class WalletPotQuerySet(models.QuerySet["WalletPot"]):
    def spendable(self, now: dt.datetime) -> WalletPotQuerySet:
        """Pots whose money can be spent at `now`: active and not past their expiry.

        The one definition of "spendable"; `WalletPot.is_spendable` is the same rule for a
        pot already in memory. Whether a pot may pay for a given course is `pot_allows`.
        """
        return self.filter(status=WalletPot.Status.ACTIVE).filter(
            models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=now)
        )


class WalletPot(models.Model):
    class Kind(models.TextChoices):
        GRANT = "grant", "Programme grant"
        PERSONAL = "personal", "Personal top-up"

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        EXPIRED = "expired", "Expired"

    wallet = models.ForeignKey(Wallet, on_delete=models.PROTECT, related_name="pots")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    programme = models.ForeignKey(
        FundingProgramme, null=True, blank=True, on_delete=models.PROTECT, related_name="pots"
    )
    grant = models.OneToOneField(
        Grant, null=True, blank=True, on_delete=models.PROTECT, related_name="pot"
    )
    account = models.OneToOneField(LedgerAccount, on_delete=models.PROTECT, related_name="pot")
    expires_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = WalletPotQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["wallet"],
                condition=models.Q(kind="personal"),
                name="one_personal_pot_per_wallet",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(kind="grant", programme__isnull=False, expires_at__isnull=False)
                )
                | models.Q(kind="personal", programme__isnull=True),
                name="pot_kind_fields",
            ),
        ]
        indexes = [models.Index(fields=["status", "expires_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} pot {self.pk}"

    def is_spendable(self, now: dt.datetime) -> bool:
        """Same rule as `WalletPot.objects.spendable(now)`."""
        return self.status == self.Status.ACTIVE and (
            self.expires_at is None or self.expires_at > now
        )
