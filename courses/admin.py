"""Admin for courses and cohorts (platform staff).

Edits go through `course_update` and `cohort_update` with the acting staff member, so they
follow the same rules as the providers' API. A course's status and price, and a cohort's
status and seats, are read-only here; cancelling a cohort is an action with a reason
(registered by enrolments/admin.py, which owns what cancelling does to enrolments).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils import timezone

from core.admin import ReadOnlyInline, ServiceEditAdmin
from courses.models import Cohort, Course
from courses.services import COHORT_FIELDS, COURSE_FIELDS, cohort_update, course_update
from courses.timetable import describe

# A course's status is the provider's to publish or archive; its price fixes what learners pay.
COURSE_STAFF_EDITABLE = COURSE_FIELDS - {"status", "price"}


def _all_but(model: type[Any], editable: set[str]) -> list[str]:
    names = [field.name for field in model._meta.concrete_fields if field.name != "id"]
    return [name for name in names if name not in editable]


class CohortInline(ReadOnlyInline):
    model = Cohort
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
    show_change_link = True


@admin.register(Course)
class CourseAdmin(ServiceEditAdmin):
    list_display = ("title", "provider", "level", "mode", "region", "price", "status")
    list_filter = ("status", "level", "mode", "region")
    search_fields = ("title", "summary", "provider__legal_name", "provider__trading_name")
    inlines = [CohortInline]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return _all_but(Course, COURSE_STAFF_EDITABLE)

    def edit_with_service(self, request: HttpRequest, obj: Course, changes: dict[str, Any]) -> None:
        course_update(actor=request.user, course=obj, **changes)  # type: ignore[arg-type]


@admin.register(Cohort)
class CohortAdmin(ServiceEditAdmin):
    list_display = ("course", "start_date", "end_date", "capacity", "seats_taken", "status")
    list_filter = ("status",)
    search_fields = ("course__title",)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        # The timetable is the provider's to set (through the API), so milestones follow
        # the calendar the provider teaches to; staff see it here, day by day.
        return [*_all_but(Cohort, COHORT_FIELDS), "timetable"]

    @admin.display(description="Timetable")
    def timetable(self, obj: Cohort) -> str:
        if not obj.session_dates:
            return "No sessions planned."
        today = timezone.localdate()
        held = sum(1 for day in obj.session_dates if day <= today)
        dates = ", ".join(day.strftime("%a %-d %b %Y") for day in obj.session_dates)
        days = describe([day.weekday() for day in obj.session_dates])
        return f"{len(obj.session_dates)} sessions on {days}; {held} held by today. {dates}"

    def edit_with_service(self, request: HttpRequest, obj: Cohort, changes: dict[str, Any]) -> None:
        cohort_update(actor=request.user, cohort=obj, **changes)  # type: ignore[arg-type]
