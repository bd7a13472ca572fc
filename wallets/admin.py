"""Admin for funders, programmes, applications, wallets and the (read-only) ledger.

Money never moves from the admin: ledger rows are read-only here (and the database refuses
edits anyway), and funding decisions (approving applications, granting, funding, approving
providers for a programme, opening and closing programmes) belong to the funder's officers
through the API. Staff may correct a programme's names, dates and eligibility, through
`programme_update` with the same checks as the API.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from core import audit
from core.admin import ReadOnlyAdmin, ReadOnlyInline, ServiceEditAdmin
from wallets.models import (
    Funder,
    FunderMembership,
    FundingProgramme,
    Grant,
    GrantImport,
    LedgerAccount,
    LedgerEntry,
    LedgerTransaction,
    LedgerVerificationRun,
    ProgrammeApplication,
    ProgrammeProviderApproval,
    ProgrammeStatusChange,
    Wallet,
    WalletPot,
)
from wallets.services import programme_update
from wallets.services.programmes import STAFF_EDITABLE_FIELDS


class FunderMembershipInline(admin.TabularInline):
    model = FunderMembership
    extra = 0
    autocomplete_fields = ("user",)


@admin.register(Funder)
class FunderAdmin(admin.ModelAdmin):
    list_display = ("name", "created_at")
    search_fields = ("name",)
    inlines = [FunderMembershipInline]

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        """Memberships are permissions: each one added, changed or removed here is recorded
        in the audit trail (core.audit) in the admin's transaction."""
        if formset.model is not FunderMembership:
            super().save_formset(request, form, formset, change)
            return
        memberships = formset.save(commit=False)
        for removed in formset.deleted_objects:
            audit.record(
                actor=request.user,
                action="funder.membership_remove",
                obj=removed,
                before={"user_id": removed.user_id, "role": removed.role},
                funder_id=removed.funder_id,
            )
            removed.delete()
        for membership in memberships:
            before = (
                FunderMembership.objects.filter(pk=membership.pk).values("user_id", "role").first()
                if membership.pk
                else None
            )
            membership.save()
            audit.record(
                actor=request.user,
                action="funder.membership_change" if before else "funder.membership_add",
                obj=membership,
                before=before or {},
                after={"user_id": membership.user_id, "role": membership.role},
                funder_id=membership.funder_id,
            )
        formset.save_m2m()


class ProgrammeProviderApprovalInline(ReadOnlyInline):
    """Which providers the funder approved: the funder's officers decide, through the API."""

    model = ProgrammeProviderApproval
    fields = ("provider", "approved_by", "created_at")


class ProgrammeStatusChangeInline(ReadOnlyInline):
    model = ProgrammeStatusChange
    fields = ("created_at", "from_status", "to_status", "reason", "actor")


@admin.register(FundingProgramme)
class FundingProgrammeAdmin(ServiceEditAdmin):
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
    inlines = [ProgrammeProviderApprovalInline, ProgrammeStatusChangeInline]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        # Status, currency, budget and every money rule: shown, never edited here.
        editable = STAFF_EDITABLE_FIELDS
        names = [field.name for field in FundingProgramme._meta.concrete_fields]
        return [name for name in names if name not in editable and name != "id"] + ["budget"]

    def edit_with_service(
        self, request: HttpRequest, obj: FundingProgramme, changes: dict[str, Any]
    ) -> None:
        programme_update(actor=request.user, programme=obj, **changes)  # type: ignore[arg-type]

    @admin.display(description="Budget balance")
    def budget(self, programme: FundingProgramme) -> int:
        return programme.budget_account.balance


@admin.register(ProgrammeApplication)
class ProgrammeApplicationAdmin(ReadOnlyAdmin):
    """Read-only: approving and refusing (and so granting) belong to the funder's officers."""

    list_display = ("learner", "programme", "status", "created_at", "decided_at")
    list_filter = ("status", "programme")
    search_fields = ("learner__email", "programme__name", "postcode")


@admin.register(Grant)
class GrantAdmin(ReadOnlyAdmin):
    list_display = ("learner", "programme", "amount", "granted_by", "created_at")
    list_filter = ("programme",)
    search_fields = ("learner__email",)


@admin.register(GrantImport)
class GrantImportAdmin(ReadOnlyAdmin):
    """Read-only: officers import, cancel and resume through the API or `grants_import`."""

    list_display = (
        "id",
        "programme",
        "source",
        "status",
        "total_rows",
        "valid_rows",
        "rows_done",
        "rows_reversed",
        "created_at",
    )
    list_filter = ("status", "source", "programme")
    search_fields = ("filename", "region", "created_by__email")


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


@admin.register(LedgerVerificationRun)
class LedgerVerificationRunAdmin(ReadOnlyAdmin):
    list_display = ("finished_at", "trigger", "ok", "accounts_checked", "entries_checked", "breaks")
    list_filter = ("ok", "trigger")
