"""Admin for repayments: staff edit plans and their thresholds; deferral offers, agreements,
declarations and charges are read-only here (they change only through services), as are
connected accounts, payouts and Stripe reconciliation runs."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from core.admin import ReadOnlyAdmin, ReadOnlyInline
from payments.models import (
    ConnectedAccount,
    IncomeDeclaration,
    Payout,
    PayoutItem,
    PlanThreshold,
    ProgrammeDeferral,
    ReconciliationDifference,
    ReconciliationRun,
    RepaymentAgreement,
    RepaymentAssessment,
    RepaymentCharge,
    RepaymentPlan,
)


class PlanThresholdInline(admin.TabularInline):
    model = PlanThreshold
    extra = 1


@admin.register(RepaymentPlan)
class RepaymentPlanAdmin(admin.ModelAdmin):
    list_display = (
        "code",
        "name",
        "basis",
        "rate",
        "currency",
        "cap_kind",
        "max_payments",
        "term_years",
        "active",
    )
    list_filter = ("statutory", "basis", "currency", "active")
    search_fields = ("code", "name")
    inlines = [PlanThresholdInline]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        # Agreements and deferral offers refer to a plan by its code: fixed once created.
        return ("code",) if obj is not None else ()

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # retire a plan by marking it inactive; agreements keep their terms


@admin.register(ProgrammeDeferral)
class ProgrammeDeferralAdmin(ReadOnlyAdmin):
    list_display = ("programme", "plan", "max_per_learner", "active", "budget_account")
    list_select_related = ("programme", "plan", "budget_account")


class AssessmentInline(admin.TabularInline):
    model = RepaymentAssessment
    extra = 0
    can_delete = False
    fields = ("period", "gross_income", "period_threshold", "due_by_rule", "due", "outcome")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(RepaymentAgreement)
class RepaymentAgreementAdmin(ReadOnlyAdmin):
    list_display = (
        "pk",
        "learner",
        "status",
        "amount",
        "cap",
        "currency",
        "repayment_starts_on",
        "write_off_on",
        "declaration_flagged_at",
    )
    list_filter = ("status", "plan")
    search_fields = ("learner__email",)
    list_select_related = ("learner", "plan")
    exclude = ("disclosure_pdf",)
    inlines = [AssessmentInline]


@admin.register(IncomeDeclaration)
class IncomeDeclarationAdmin(ReadOnlyAdmin):
    list_display = ("agreement", "period", "gross_income", "declared_at")
    list_select_related = ("agreement",)


@admin.register(RepaymentCharge)
class RepaymentChargeAdmin(ReadOnlyAdmin):
    list_display = ("agreement", "number", "amount", "currency", "status", "created_at")
    list_filter = ("status",)
    list_select_related = ("agreement",)


class PayoutItemInline(ReadOnlyInline):
    model = PayoutItem
    fields = ("milestone_payment", "amount", "returned")


@admin.register(ConnectedAccount)
class ConnectedAccountAdmin(ReadOnlyAdmin):
    list_display = ("provider", "stripe_account_id", "payouts_enabled", "details_submitted")
    list_filter = ("payouts_enabled",)
    search_fields = ("stripe_account_id", "provider__legal_name")


@admin.register(Payout)
class PayoutAdmin(ReadOnlyAdmin):
    list_display = ("pk", "provider", "amount", "currency", "status", "created_at", "paid_at")
    list_filter = ("status", "currency")
    search_fields = ("stripe_transfer_id", "provider__legal_name")
    inlines = [PayoutItemInline]


class ReconciliationDifferenceInline(ReadOnlyInline):
    model = ReconciliationDifference
    fields = (
        "kind",
        "key",
        "problem",
        "stripe_id",
        "currency",
        "our_amount",
        "their_amount",
        "our_status",
        "their_status",
    )


@admin.register(ReconciliationRun)
class ReconciliationRunAdmin(ReadOnlyAdmin):
    list_display = ("pk", "since", "started_at", "differences_count", "error")
    inlines = [ReconciliationDifferenceInline]
