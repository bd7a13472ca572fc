"""Admin for the skills list, courses and cohorts (platform staff)."""

from django.contrib import admin
from django.http import HttpRequest

from courses.models import Cohort, Course, Enrolment, EnrolmentEvent, ProblemReport, Refund, Skill
from wallets.admin import ReadOnlyAdmin


@admin.register(Skill)
class SkillAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "active")
    list_filter = ("active",)
    search_fields = ("name", "slug")


class CohortInline(admin.TabularInline):
    model = Cohort
    extra = 0
    fields = (
        "start_date",
        "end_date",
        "application_deadline",
        "capacity",
        "seats_taken",
        "status",
        "online",
        "location",
    )
    readonly_fields = ("seats_taken",)


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin):
    list_display = ("title", "provider", "level", "mode", "region", "price", "status")
    list_filter = ("status", "level", "mode", "region")
    search_fields = ("title", "summary", "provider__legal_name", "provider__trading_name")
    autocomplete_fields = ("provider",)
    inlines = [CohortInline]


@admin.register(Cohort)
class CohortAdmin(admin.ModelAdmin):
    list_display = ("course", "start_date", "end_date", "capacity", "seats_taken", "status")
    list_filter = ("status",)
    search_fields = ("course__title",)
    readonly_fields = ("seats_taken",)
    autocomplete_fields = ("course",)


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
