"""Anomaly flags in the admin: read-only (officers clear them through the API, with a note)."""

from django.contrib import admin

from audit.models import AnomalyFlag
from core.admin import ReadOnlyAdmin


@admin.register(AnomalyFlag)
class AnomalyFlagAdmin(ReadOnlyAdmin):
    list_display = ("id", "programme", "rule", "subject", "status", "first_seen_at", "last_seen_at")
    list_filter = ("status", "rule")
    search_fields = ("subject", "reason")
    raw_id_fields = ("programme", "provider", "enrolment", "cleared_by")
