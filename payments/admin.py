"""Admin for repayments: staff edit plans and their thresholds; deferral offers, agreements,
declarations and charges are read-only here (they change only through services), as are
connected accounts, payouts and Stripe reconciliation runs."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from core.admin import ReadOnlyAdmin, ReadOnlyInline
from payments.models import (
    CardPayment,
    CardRefund,
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
    StripeEvent,
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


# --- Card payments (Stripe) --------------------------------------------------------------------


@admin.register(CardPayment)
class CardPaymentAdmin(ReadOnlyAdmin):
    list_display = (
        "pk",
        "enrolment",
        "amount",
        "currency",
        "status",
        "stripe_status",
        "intent_id",
        "last_error",
        "updated_at",
    )
    list_filter = ("status",)
    search_fields = ("=intent_id", "=enrolment__id")
    list_select_related = ("enrolment",)
    exclude = ("client_secret",)


@admin.register(CardRefund)
class CardRefundAdmin(ReadOnlyAdmin):
    list_display = (
        "pk",
        "refund",
        "payment",
        "amount",
        "currency",
        "status",
        "stripe_refund_id",
        "last_error",
        "updated_at",
    )
    list_filter = ("status",)
    search_fields = ("=stripe_refund_id",)
    list_select_related = ("refund", "payment")


@admin.register(StripeEvent)
class StripeEventAdmin(ReadOnlyAdmin):
    """Every webhook event received: failures show their error and are retried with backoff;
    staff with the change permission can retry at once."""

    list_display = ("event_id", "type", "status", "attempts", "received_at", "processed_at")
    list_filter = ("status", "type")
    search_fields = ("=event_id", "type")
    readonly_fields = [field.name for field in StripeEvent._meta.fields]
    actions = ["retry"]

    def has_retry_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.has_perm("payments.change_stripeevent"))

    @admin.action(description="Process the selected failed events again now", permissions=["retry"])
    def retry(self, request: HttpRequest, queryset: QuerySet[StripeEvent]) -> None:
        from payments.webhooks import event_process

        results = [
            event_process(event_pk=pk)
            for pk in queryset.filter(status=StripeEvent.Status.FAILED).values_list("pk", flat=True)
        ]
        processed = results.count(StripeEvent.Status.PROCESSED)
        self.message_user(
            request,
            f"{processed} of {len(results)} failed events processed.",
            level=messages.SUCCESS if processed == len(results) else messages.WARNING,
        )
