"""Repayment plans as data: the rules (basis, rate, cap, payments, term, write-off) and their
annual thresholds by UK tax year. Staff edit them in the admin; agreements copy the terms
they were signed on, so an edit never changes a signed agreement.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from core.checks import present
from core.money import CURRENCY_CHOICES, round_money_down
from payments.calculator import Basis, tax_year_label
from payments.schedule import WriteOffRule


class RepaymentPlan(models.Model):
    class BasisChoice(models.TextChoices):
        ABOVE_THRESHOLD = Basis.ABOVE_THRESHOLD.value, "Rate × income above the threshold"
        WHOLE_INCOME = Basis.WHOLE_INCOME.value, "Rate × all income once it reaches the threshold"

    class CapKind(models.TextChoices):
        MULTIPLE = "multiple", "A multiple of the amount deferred"
        ABSOLUTE = "absolute", "A fixed amount"

    class ThresholdRule(models.TextChoices):
        BY_TAX_YEAR = "by_tax_year", "The threshold of each period's tax year (statutory)"
        FIXED_AT_SIGNING = "fixed_at_signing", "The threshold in force at signing, for good"

    class WriteOff(models.TextChoices):
        FROM_APRIL_AFTER_FIRST_DUE = (
            WriteOffRule.FROM_APRIL_AFTER_FIRST_DUE.value,
            "Term years after the 6 April on or after repayment starts",
        )
        FROM_REPAYMENT_START = (
            WriteOffRule.FROM_REPAYMENT_START.value,
            "Term years after repayment starts",
        )

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    statutory = models.BooleanField(
        default=False, help_text="A UK student-loan plan whose thresholds are set by law."
    )
    basis = models.CharField(max_length=20, choices=BasisChoice.choices)
    rate = models.DecimalField(
        max_digits=5,
        decimal_places=4,
        validators=[MinValueValidator(Decimal("0.0001")), MaxValueValidator(Decimal("1"))],
        help_text="A fraction: 0.09 is 9 %.",
    )
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES)
    cap_kind = models.CharField(max_length=10, choices=CapKind.choices)
    cap_multiple = models.DecimalField(
        max_digits=6,
        decimal_places=3,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.001"))],
        help_text="With a multiple cap: the most ever paid is this × the amount deferred.",
    )
    cap_amount = models.BigIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text="With a fixed cap: the most ever paid, in minor units.",
    )
    max_payments = models.PositiveIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1)], help_text="Empty: no limit."
    )
    term_years = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(50)]
    )
    write_off_rule = models.CharField(max_length=32, choices=WriteOff.choices)
    threshold_rule = models.CharField(max_length=20, choices=ThresholdRule.choices)
    active = models.BooleanField(default=True, help_text="Inactive plans cannot be offered.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rate__gt=0, rate__lte=1), name="repayment_plan_rate_range"
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(
                        cap_kind="multiple",
                        cap_multiple__isnull=False,
                        cap_multiple__gt=0,
                        cap_amount__isnull=True,
                    )
                    | models.Q(
                        cap_kind="absolute",
                        cap_amount__isnull=False,
                        cap_amount__gt=0,
                        cap_multiple__isnull=True,
                    )
                ),
                name="repayment_plan_cap_consistent",
                violation_error_message=(
                    "A multiple cap needs a multiple and no amount; a fixed cap needs an "
                    "amount and no multiple."
                ),
            ),
            models.CheckConstraint(
                condition=models.Q(max_payments__isnull=True) | models.Q(max_payments__gt=0),
                name="repayment_plan_max_payments_positive",
            ),
            models.CheckConstraint(
                condition=models.Q(term_years__gte=1, term_years__lte=50),
                name="repayment_plan_term_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def cap_for(self, amount: int) -> int:
        """The most a learner can ever pay for `amount` deferred."""
        if self.cap_kind == self.CapKind.MULTIPLE:
            return round_money_down(amount, present(self.cap_multiple, "the plan's cap multiple"))
        return present(self.cap_amount, "the plan's cap amount")


class PlanThreshold(models.Model):
    """A plan's annual income threshold for one UK tax year (6 April to 5 April)."""

    plan = models.ForeignKey(RepaymentPlan, on_delete=models.CASCADE, related_name="thresholds")
    tax_year = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(2000), MaxValueValidator(2100)],
        help_text="The year the tax year starts: 2024 for 2024-25.",
    )
    annual_threshold = models.BigIntegerField(
        validators=[MinValueValidator(0)], help_text="Minor units (pence, cents)."
    )

    class Meta:
        ordering = ["plan", "tax_year"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "tax_year"], name="one_threshold_per_tax_year"),
            models.CheckConstraint(
                condition=models.Q(annual_threshold__gte=0), name="plan_threshold_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plan.code} {self.tax_year_label}: {self.annual_threshold}"

    @property
    def tax_year_label(self) -> str:
        return tax_year_label(self.tax_year)
