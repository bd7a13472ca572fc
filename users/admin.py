"""Admin for users: platform staff find people by email and manage staff flags; email
addresses and authenticators (allauth's models) are shown, and changed only by actions
that need the change permission and call a service with the acting staff member."""

from __future__ import annotations

from typing import Any

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest

from users.models import User
from users.services import email_address_mark_verified


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ("email",)
    list_display = ("email", "full_name", "is_staff", "is_active", "created_at")
    list_filter = ("is_staff", "is_superuser", "is_active")
    search_fields = ("email", "full_name")
    readonly_fields = ("created_at", "last_login", "date_joined")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Profile", {"fields": ("full_name",)}),
        (
            "Permissions",
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        ("Dates", {"fields": ("last_login", "date_joined", "created_at")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)


admin.site.unregister(EmailAddress)


@admin.register(EmailAddress)
class EmailAddressAdmin(admin.ModelAdmin):
    """allauth's email addresses, read-only; "mark verified" is an action (change permission)."""

    list_display = ("email", "user", "primary", "verified")
    list_filter = ("primary", "verified")
    search_fields = ("email", "user__email", "user__full_name")
    readonly_fields = ("user", "email", "verified", "primary")
    actions = ["mark_verified"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description="Mark the selected addresses verified", permissions=["change"])
    def mark_verified(self, request: HttpRequest, queryset: QuerySet[EmailAddress]) -> None:
        actor = User.objects.get(pk=request.user.pk or 0)  # the admin only lets staff in
        for address in queryset:
            if email_address_mark_verified(actor=actor, email_address=address):
                self.message_user(request, f"{address.email}: verified.", messages.SUCCESS)
            else:
                self.message_user(request, f"{address.email}: already verified.", messages.INFO)


admin.site.unregister(Authenticator)


@admin.register(Authenticator)
class AuthenticatorAdmin(admin.ModelAdmin):
    """Which second factors people have. The secret is never shown; staff with the delete
    permission may remove one (a lost phone), after which roles answer `mfa_required`."""

    list_display = ("user", "type", "created_at", "last_used_at")
    list_filter = ("type", "created_at", "last_used_at")
    search_fields = ("user__email",)
    fields = ("user", "type", "created_at", "last_used_at")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
