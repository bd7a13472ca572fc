"""Admin for funders, programmes, applications, wallets and the (read-only) ledger.

Money never moves from the admin by editing rows: ledger rows are read-only here (and the
database refuses edits anyway); decisions go through the same services as the API.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from core.admin import ReadOnlyAdmin
from core.errors import DomainError
from wallets.models import (
    Funder,
    FunderMembership,
    FundingProgramme,
    Grant,
    LedgerAccount,
    LedgerEntry,
    LedgerTransaction,
    ProgrammeApplication,
    ProgrammeProviderApproval,
    Wallet,
    WalletPot,
)
from wallets.services import application_approve


class FunderMembershipInline(admin.TabularInline):
    model = FunderMembership
    extra = 0
    autocomplete_fields = ("user",)


@admin.register(Funder)
class FunderAdmin(admin.ModelAdmin):
    list_display = ("name", "created_at")
    search_fields = ("name",)
    inlines = [FunderMembershipInline]


class ProgrammeProviderApprovalInline(admin.TabularInline):
    model = ProgrammeProviderApproval
    extra = 0
    autocomplete_fields = ("provider",)
    readonly_fields = ("approved_by", "created_at")


@admin.register(FundingProgramme)
class FundingProgrammeAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "funder",
        "status",
        "currency",
        "allowance",
        "opens_on",
        "closes_on",
        "budget",
    )
    list_filter = ("status", "funder")
    search_fields = ("name", "funder__name")
    readonly_fields = ("budget_account", "created_at")
    inlines = [ProgrammeProviderApprovalInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # programmes are created through the API, which opens their budget account

    @admin.display(description="Budget balance")
    def budget(self, programme: FundingProgramme) -> int:
        return programme.budget_account.balance


@admin.register(ProgrammeApplication)
class ProgrammeApplicationAdmin(ReadOnlyAdmin):
    list_display = ("learner", "programme", "status", "created_at", "decided_at")
    list_filter = ("status", "programme")
    search_fields = ("learner__email", "programme__name", "postcode")
    actions = ["approve_and_grant"]

    @admin.action(description="Approve and grant the allowance")
    def approve_and_grant(
        self, request: HttpRequest, queryset: QuerySet[ProgrammeApplication]
    ) -> None:
        for application in queryset:
            try:
                application_approve(actor=request.user, application=application)  # type: ignore[arg-type]
            except DomainError as exc:
                self.message_user(request, f"{application}: {exc.detail}", messages.ERROR)
            else:
                self.message_user(request, f"{application}: granted.", messages.SUCCESS)


@admin.register(Grant)
class GrantAdmin(ReadOnlyAdmin):
    list_display = ("learner", "programme", "amount", "granted_by", "created_at")
    list_filter = ("programme",)
    search_fields = ("learner__email",)


class WalletPotInline(admin.TabularInline):
    model = WalletPot
    extra = 0
    fields = ("kind", "programme", "status", "expires_at", "balance")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="Balance")
    def balance(self, pot: WalletPot) -> int:
        return pot.account.balance


@admin.register(Wallet)
class WalletAdmin(ReadOnlyAdmin):
    list_display = ("learner", "created_at")
    search_fields = ("learner__email",)
    inlines = [WalletPotInline]


@admin.register(LedgerAccount)
class LedgerAccountAdmin(ReadOnlyAdmin):
    list_display = ("key", "kind", "name", "currency", "balance", "allow_negative", "entry_count")
    list_filter = ("kind", "currency")
    search_fields = ("key", "name")


class LedgerEntryInline(admin.TabularInline):
    model = LedgerEntry
    extra = 0
    fields = ("account", "amount", "currency", "balance_after", "sequence", "hash")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(LedgerTransaction)
class LedgerTransactionAdmin(ReadOnlyAdmin):
    list_display = ("id", "kind", "memo", "actor", "created_at")
    list_filter = ("kind",)
    search_fields = ("memo", "idempotency_key")
    inlines = [LedgerEntryInline]
