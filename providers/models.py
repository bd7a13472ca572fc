"""Providers and their people. Kept minimal until the catalogue work fleshes out the profile."""

from __future__ import annotations

from django.core.validators import RegexValidator
from django.db import models

from users.memberships import MembershipBase

ukprn_validator = RegexValidator(
    r"^1\d{7}$", "A UKPRN is 8 digits starting with 1.", code="invalid_ukprn"
)


class Provider(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending approval"
        APPROVED = "approved", "Approved"
        SUSPENDED = "suspended", "Suspended"
        DELISTED = "delisted", "Delisted"

    legal_name = models.CharField(max_length=200)
    trading_name = models.CharField(max_length=200, blank=True)
    ukprn = models.CharField("UKPRN", max_length=8, unique=True, validators=[ukprn_validator])
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["legal_name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ukprn__regex=r"^1[0-9]{7}$"), name="provider_ukprn_format"
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.trading_name or self.legal_name


class ProviderMembership(MembershipBase):
    class Role(models.TextChoices):
        ADMIN = "admin", "Admin"
        STAFF = "staff", "Staff"

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "provider"], name="provider_membership_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.role} at {self.provider}"
