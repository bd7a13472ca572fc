"""Funders and their people. Programmes, wallets and the ledger come with the ledger work."""

from __future__ import annotations

from django.db import models

from users.memberships import MembershipBase


class Funder(models.Model):
    """A combined authority, government programme or employer that funds training."""

    name = models.CharField(max_length=200, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class FunderMembership(MembershipBase):
    class Role(models.TextChoices):
        OFFICER = "officer", "Funder officer"
        AUDITOR = "auditor", "Funder auditor (read-only)"

    funder = models.ForeignKey(Funder, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "funder"], name="funder_membership_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.role} at {self.funder}"
