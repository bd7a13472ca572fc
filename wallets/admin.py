"""Admin for funders and their memberships."""

from django.contrib import admin

from wallets.models import Funder, FunderMembership


class FunderMembershipInline(admin.TabularInline):
    model = FunderMembership
    extra = 0
    autocomplete_fields = ("user",)


@admin.register(Funder)
class FunderAdmin(admin.ModelAdmin):
    list_display = ("name", "created_at")
    search_fields = ("name",)
    inlines = [FunderMembershipInline]
