"""Admin for enrolments (read-only: they change only through their transition services),
their events, problem reports and refunds."""

from django.contrib import admin
from django.http import HttpRequest

from core.admin import ReadOnlyAdmin
from enrolments.models import Enrolment, EnrolmentEvent, ProblemReport, Refund


class EnrolmentEventInline(admin.TabularInline):
    model = EnrolmentEvent
    extra = 0
    can_delete = False
    fields = ("created_at", "action", "from_status", "to_status", "amount", "actor", "reason")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class ProblemReportInline(admin.TabularInline):
    model = ProblemReport
    extra = 0
    can_delete = False
    fields = ("created_at", "reported_by", "description")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Enrolment)
class EnrolmentAdmin(ReadOnlyAdmin):
    """Read-only: enrolments change only through their transition services."""

    list_display = (
        "learner",
        "cohort",
        "status",
        "wallet_part",
        "outcome_verification",
        "created_at",
    )
    list_filter = ("status", "outcome_verification")
    search_fields = ("learner__email", "cohort__course__title")
    inlines = [EnrolmentEventInline, ProblemReportInline]


@admin.register(ProblemReport)
class ProblemReportAdmin(admin.ModelAdmin):
    list_display = ("enrolment", "reported_by", "created_at")
    search_fields = ("description", "reported_by__email")
    readonly_fields = ("enrolment", "reported_by", "description", "created_at")


@admin.register(Refund)
class RefundAdmin(admin.ModelAdmin):
    list_display = ("enrolment", "amount", "currency", "status", "created_at")
    list_filter = ("status",)
    readonly_fields = ("enrolment", "amount", "currency", "reason", "created_at")
