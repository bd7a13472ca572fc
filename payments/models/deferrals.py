"""A programme's offer of deferral: its own deferral budget on the ledger, the most one
learner may defer, and the repayment plan agreements are signed on."""

from __future__ import annotations

from django.core.validators import MinValueValidator
from django.db import models

from payments.models.plans import RepaymentPlan
from wallets.models import FundingProgramme, LedgerAccount


class ProgrammeDeferral(models.Model):
    programme = models.OneToOneField(
        FundingProgramme, on_delete=models.PROTECT, related_name="deferral"
    )
    plan = models.ForeignKey(RepaymentPlan, on_delete=models.PROTECT, related_name="deferrals")
    max_per_learner = models.BigIntegerField(
        validators=[MinValueValidator(1)],
        help_text="The most one learner may have deferred on this programme, minor units.",
    )
    active = models.BooleanField(default=True, help_text="Inactive: no new agreements.")
    budget_account = models.OneToOneField(
        LedgerAccount, on_delete=models.PROTECT, related_name="deferral_budget_of", editable=False
    )
    # The learners' side of every receivable of this programme (see ADR 0006).
    obligations_account = models.OneToOneField(
        LedgerAccount,
        on_delete=models.PROTECT,
        related_name="deferral_obligations_of",
        editable=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(max_per_learner__gt=0), name="deferral_max_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"Deferral on {self.programme}"
