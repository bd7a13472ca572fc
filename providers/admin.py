"""Admin for providers: search, team, approval decisions (with a reason) and their history.

Decisions are actions that need the change permission and call `provider_set_status` with
the acting staff member; the status itself is never edited in the form.
"""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.db.models import QuerySet
from django.http import HttpRequest

from core.admin import ReadOnlyAdmin, ReadOnlyInline
from core.errors import DomainError
from providers.models import Provider, ProviderInvitation, ProviderMembership, ProviderStatusChange
from providers.services import provider_set_status
from users.models import User


class ProviderMembershipInline(admin.TabularInline):
    model = ProviderMembership
    extra = 0
    autocomplete_fields = ("user",)


class ProviderStatusChangeInline(ReadOnlyInline):
    model = ProviderStatusChange
    fields = ("created_at", "from_status", "to_status", "reason", "actor")


class DecisionForm(ActionForm):
    reason = forms.CharField(required=False, max_length=500, help_text="Kept with the decision.")


def _decide(status: str, label: str) -> Callable[..., None]:
    @admin.action(description=label, permissions=["change"])
    def action(
        modeladmin: ProviderAdmin, request: HttpRequest, queryset: QuerySet[Provider]
    ) -> None:
        reason = request.POST.get("reason", "")
        actor = User.objects.get(pk=request.user.pk or 0)  # the admin only lets staff in
        for provider in queryset:
            try:
                provider_set_status(actor=actor, provider=provider, status=status, reason=reason)
            except DomainError as exc:
                modeladmin.message_user(request, f"{provider}: {exc.detail}", messages.ERROR)
            else:
                modeladmin.message_user(request, f"{provider}: {label.lower()}.", messages.SUCCESS)

    action.__name__ = f"set_{status}"
    return action


@admin.register(Provider)
class ProviderAdmin(admin.ModelAdmin):
    list_display = ("legal_name", "trading_name", "ukprn", "town", "status", "status_changed_at")
    list_filter = ("status",)
    search_fields = ("legal_name", "trading_name", "ukprn", "contact_email")
    readonly_fields = ("status", "status_reason", "status_changed_at", "created_at")
    inlines = [ProviderMembershipInline, ProviderStatusChangeInline]
    action_form = DecisionForm
    actions = [
        _decide(Provider.Status.APPROVED, "Approve"),
        _decide(Provider.Status.SUSPENDED, "Suspend"),
        _decide(Provider.Status.DELISTED, "Delist"),
    ]


@admin.register(ProviderInvitation)
class ProviderInvitationAdmin(ReadOnlyAdmin):
    """Read-only: a provider's admins invite through the API, which sends the email."""

    list_display = ("email", "provider", "role", "expires_at", "accepted_at")
    search_fields = ("email", "provider__legal_name")
    exclude = ("token",)  # a live invitation token is a credential
