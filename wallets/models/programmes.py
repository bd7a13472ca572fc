"""Funding programmes, their approved providers, learners' applications and grants."""

from __future__ import annotations

import secrets
from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from providers.models import Provider
from wallets.models.funders import Funder
from wallets.models.ledger import LedgerAccount, LedgerTransaction


class EmploymentStatus(models.TextChoices):
    EMPLOYED = "employed", "Employed"
    SELF_EMPLOYED = "self_employed", "Self-employed"
    UNEMPLOYED = "unemployed", "Unemployed"
    ECONOMICALLY_INACTIVE = "inactive", "Economically inactive"
    RETURNER = "returner", "Returning to work"


def new_sampling_seed() -> str:
    """A programme's secret sampling seed: 256 random bits, hex (docs/audit-controls.md)."""
    return secrets.token_hex(32)


class FundingProgramme(models.Model):
    """A funder's programme: budget, window, eligibility, what it pays for and how."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        ACTIVE = "active", "Active"
        CLOSED = "closed", "Closed"

    class CoPayment(models.TextChoices):
        NONE = "none", "None"
        FLAT = "flat", "Flat amount"
        PERCENT = "percent", "Percent of price"

    funder = models.ForeignKey(Funder, on_delete=models.PROTECT, related_name="programmes")
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    currency = models.CharField(max_length=3, default="GBP")
    budget_target = models.BigIntegerField(
        default=0, validators=[MinValueValidator(0)], help_text="Planned budget, minor units."
    )
    opens_on = models.DateField()
    closes_on = models.DateField()
    # Eligibility
    min_age = models.PositiveSmallIntegerField(default=19)
    regions = ArrayField(models.CharField(max_length=64), default=list, blank=True)
    postcode_prefixes = ArrayField(models.CharField(max_length=8), default=list, blank=True)
    employment_statuses = ArrayField(
        models.CharField(max_length=16, choices=EmploymentStatus.choices), default=list, blank=True
    )
    max_prior_qualification_level = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(8)]
    )
    # What it pays for
    allowance = models.BigIntegerField(validators=[MinValueValidator(1)])
    allowed_levels = ArrayField(models.PositiveSmallIntegerField(), default=list, blank=True)
    allowed_skills = ArrayField(models.CharField(max_length=64), default=list, blank=True)
    approved_providers: models.ManyToManyField[Provider, ProgrammeProviderApproval] = (
        models.ManyToManyField(
            Provider, through="ProgrammeProviderApproval", related_name="programmes", blank=True
        )
    )
    funds_expiry_months = models.PositiveSmallIntegerField(default=12)
    co_payment_kind = models.CharField(
        max_length=8, choices=CoPayment.choices, default=CoPayment.NONE
    )
    co_payment_flat = models.BigIntegerField(default=0, validators=[MinValueValidator(0)])
    co_payment_percent = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    # Milestone schedule, percent of the wallet part released at each milestone.
    milestone_start_percent = models.PositiveSmallIntegerField(default=45)
    milestone_completion_percent = models.PositiveSmallIntegerField(default=35)
    milestone_outcome_percent = models.PositiveSmallIntegerField(default=20)
    # Attendance rule for the completion payment.
    attendance_full_percent = models.PositiveSmallIntegerField(default=80)
    attendance_pro_rata_from_percent = models.PositiveSmallIntegerField(default=25)
    attendance_below_fraction = models.DecimalField(
        max_digits=4, decimal_places=3, default=Decimal("0.25")
    )
    outcome_sample_rate = models.DecimalField(
        max_digits=4, decimal_places=3, default=Decimal("0.10")
    )
    # The key of the outcome-sampling hash (enrolments/sampling.py): whoever holds it
    # re-derives every sampling decision, nobody else can predict one. Shown only to the
    # funder's auditors (audit API) and platform staff (admin); never in the programme API.
    sampling_seed = models.CharField(max_length=64, default=new_sampling_seed, editable=False)
    # The calendar: completion may be recorded this many days before the last planned session;
    # outcomes are dated on or after the cohort's end and within this many months of it.
    completion_tolerance_days = models.PositiveSmallIntegerField(
        default=0, validators=[MaxValueValidator(30)]
    )
    outcome_window_months = models.PositiveSmallIntegerField(
        default=6, validators=[MinValueValidator(1), MaxValueValidator(24)]
    )
    budget_account = models.OneToOneField(
        LedgerAccount, on_delete=models.PROTECT, related_name="programme", editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-opens_on", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["funder", "name"], name="programme_name_unique_per_funder"
            ),
            models.CheckConstraint(
                condition=models.Q(
                    milestone_start_percent=100
                    - models.F("milestone_completion_percent")
                    - models.F("milestone_outcome_percent")
                ),
                name="programme_milestones_sum_100",
            ),
            models.CheckConstraint(
                condition=models.Q(closes_on__gte=models.F("opens_on")),
                name="programme_window_order",
            ),
            models.CheckConstraint(
                condition=models.Q(allowance__gt=0), name="programme_allowance_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ProgrammeStatusChange(models.Model):
    """Every status change of a programme, kept: who, when, from, to, why."""

    programme = models.ForeignKey(
        FundingProgramme, on_delete=models.CASCADE, related_name="status_changes"
    )
    from_status = models.CharField(max_length=16, choices=FundingProgramme.Status.choices)
    to_status = models.CharField(max_length=16, choices=FundingProgramme.Status.choices)
    reason = models.CharField(max_length=500, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.programme}: {self.from_status} → {self.to_status}"


class ProgrammeProviderApproval(models.Model):
    programme = models.ForeignKey(FundingProgramme, on_delete=models.CASCADE)
    provider = models.ForeignKey(Provider, on_delete=models.CASCADE)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "provider"], name="programme_provider_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.provider} approved for {self.programme}"


class ProgrammeApplication(models.Model):
    """A learner's application to a programme, with the facts its eligibility rules need."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", "Submitted"
        APPROVED = "approved", "Approved and granted"
        REFUSED = "refused", "Refused"

    programme = models.ForeignKey(
        FundingProgramme, on_delete=models.PROTECT, related_name="applications"
    )
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="programme_applications"
    )
    date_of_birth = models.DateField()
    postcode = models.CharField(max_length=8)
    region = models.CharField(max_length=64)
    employment_status = models.CharField(max_length=16, choices=EmploymentStatus.choices)
    highest_qualification_level = models.PositiveSmallIntegerField(
        validators=[MaxValueValidator(8)]
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.SUBMITTED)
    ineligibility_reasons = models.JSONField(default=list, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "learner"], name="one_application_per_programme"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.learner} → {self.programme}"


class Grant(models.Model):
    """An allowance granted to a learner: it created a pot and moved budget into it."""

    programme = models.ForeignKey(FundingProgramme, on_delete=models.PROTECT, related_name="grants")
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="grants"
    )
    amount = models.BigIntegerField()
    application = models.OneToOneField(
        ProgrammeApplication, null=True, blank=True, on_delete=models.PROTECT, related_name="grant"
    )
    transaction = models.OneToOneField(
        LedgerTransaction, on_delete=models.PROTECT, related_name="grant"
    )
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "learner"], name="one_grant_per_programme"
            ),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="grant_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.amount} to {self.learner} from {self.programme}"
