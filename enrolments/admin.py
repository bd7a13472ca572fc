"""Admin for enrolments (read-only: they change only through their transition services),
their events, problem reports and refunds, and the cohort cancel action.

Cancelling a cohort cancels its enrolments and returns their money, so the action lives here
beside `cohort_cancel` (courses/ knows nothing of enrolments): it needs the change
permission, a reason (learners are told), and acts as the signed-in staff member.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.db.models import QuerySet
from django.http import HttpRequest

from core.admin import ReadOnlyAdmin, ReadOnlyInline
from core.errors import DomainError
from courses.admin import CohortAdmin as CatalogueCohortAdmin
from courses.models import Cohort
from enrolments.models import Enrolment, EnrolmentEvent, ProblemReport, Refund
from enrolments.services import cohort_cancel
from users.models import User


class EnrolmentEventInline(ReadOnlyInline):
    model = EnrolmentEvent
    fields = ("created_at", "action", "from_status", "to_status", "amount", "actor", "reason")


class ProblemReportInline(ReadOnlyInline):
    model = ProblemReport
    fields = ("created_at", "reported_by", "description")


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
class ProblemReportAdmin(ReadOnlyAdmin):
    list_display = ("enrolment", "reported_by", "created_at")
    search_fields = ("description", "reported_by__email")


@admin.register(Refund)
class RefundAdmin(ReadOnlyAdmin):
    """Read-only: refunds are recorded by the services that return money."""

    list_display = ("enrolment", "amount", "currency", "status", "created_at")
    list_filter = ("status",)


class CancelReasonForm(ActionForm):
    reason = forms.CharField(
        required=False, max_length=500, help_text="Why the cohort is cancelled; learners are told."
    )


admin.site.unregister(Cohort)


@admin.register(Cohort)
class CohortAdmin(CatalogueCohortAdmin):
    action_form = CancelReasonForm
    actions = ["cancel_cohorts"]

    @admin.action(
        description="Cancel: every enrolment cancelled and its money returned",
        permissions=["change"],
    )
    def cancel_cohorts(self, request: HttpRequest, queryset: QuerySet[Cohort]) -> None:
        reason = request.POST.get("reason", "")
        actor = User.objects.get(pk=request.user.pk or 0)  # the admin only lets staff in
        for cohort in queryset.order_by("pk"):
            try:
                cohort_cancel(actor=actor, cohort=cohort, reason=reason)
            except DomainError as exc:
                self.message_user(request, f"{cohort}: {exc.detail}", messages.ERROR)
            else:
                self.message_user(request, f"{cohort}: cancelled.", messages.SUCCESS)
