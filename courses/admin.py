"""Admin for courses and cohorts (platform staff)."""

from django.contrib import admin

from courses.models import Cohort, Course


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
