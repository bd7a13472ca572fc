"""Admin for providers and their memberships."""

from django.contrib import admin

from providers.models import Provider, ProviderMembership


class ProviderMembershipInline(admin.TabularInline):
    model = ProviderMembership
    extra = 0
    autocomplete_fields = ("user",)


@admin.register(Provider)
class ProviderAdmin(admin.ModelAdmin):
    list_display = ("legal_name", "trading_name", "ukprn", "status", "created_at")
    list_filter = ("status",)
    search_fields = ("legal_name", "trading_name", "ukprn")
    inlines = [ProviderMembershipInline]
