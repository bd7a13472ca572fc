"""Reads of funder data, always scoped to the caller's memberships (404 outside them)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet

from core.errors import Forbidden, NotFound
from core.replica import read_alias
from users.memberships import RoleGrant
from wallets.models import (
    Funder,
    FunderMembership,
    FundingProgramme,
    LedgerEntry,
    ProgrammeApplication,
    WalletPot,
)


def funder_role_grants(user: Any) -> list[RoleGrant]:
    memberships = FunderMembership.objects.filter(user=user).select_related("funder")
    return [RoleGrant("funder", m.funder_id, m.funder.name, m.role) for m in memberships]


def funder_list_for_member(*, user: Any) -> QuerySet[Funder]:
    return Funder.objects.filter(memberships__user=user).distinct().order_by("name", "id")


def funder_get_for_member(*, user: Any, funder_id: int) -> Funder:
    funder = funder_list_for_member(user=user).filter(pk=funder_id).first()
    if funder is None:
        raise NotFound("Funder not found.")
    return funder


# --- Programmes, scoped to the caller's funder memberships --------------------------------


def programme_list_for_member(*, user: Any) -> QuerySet[FundingProgramme]:
    return (
        FundingProgramme.objects.filter(funder__memberships__user=user)
        .select_related("funder", "budget_account")
        .distinct()
    )


def programme_get_for_member(
    *, user: Any, programme_id: int, write: bool = False
) -> FundingProgramme:
    """A programme of one of the user's funders (404 otherwise); `write` needs an officer (403)."""
    programme = programme_list_for_member(user=user).filter(pk=programme_id).first()
    if programme is None:
        raise NotFound("Programme not found.")
    if write:
        check_funder_officer(user=user, funder_id=programme.funder_id)
    return programme


def check_funder_officer(*, user: Any, funder_id: int) -> None:
    if not FunderMembership.objects.filter(
        user=user, funder_id=funder_id, role=FunderMembership.Role.OFFICER
    ).exists():
        raise Forbidden("Only the funder's officers can do this; auditors have read-only access.")


def application_get_for_member(
    *, user: Any, application_id: int, write: bool = False
) -> ProgrammeApplication:
    application = (
        ProgrammeApplication.objects.filter(
            programme__funder__memberships__user=user, pk=application_id
        )
        .select_related("programme", "learner")
        .first()
    )
    if application is None:
        raise NotFound("Application not found.")
    if write:
        check_funder_officer(user=user, funder_id=application.programme.funder_id)
    return application


# --- Learner's wallet ---------------------------------------------------------------------------


def programmes_open_to_learners(*, today: dt.date) -> QuerySet[FundingProgramme]:
    return FundingProgramme.objects.filter(
        status=FundingProgramme.Status.ACTIVE, opens_on__lte=today, closes_on__gte=today
    ).select_related("funder")


def programme_get_open(*, programme_id: int) -> FundingProgramme:
    programme = (
        FundingProgramme.objects.filter(pk=programme_id, status=FundingProgramme.Status.ACTIVE)
        .select_related("funder")
        .first()
    )
    if programme is None:
        raise NotFound("Programme not found.")
    return programme


def wallet_pots_for_learner(*, user: Any) -> list[WalletPot]:
    return list(
        WalletPot.objects.filter(wallet__learner=user)
        .select_related("account", "programme__funder")
        .order_by("status", "expires_at", "pk")
    )


def wallet_statement_for_learner(*, user: Any) -> QuerySet[LedgerEntry]:
    """Every movement on the learner's pots, newest first (cursor-paginated by id).

    The pots' accounts are read first (a handful of ids), so a page is a keyset range of the
    (account, id) index (ledger_entry_account_id) rather than a join over every entry.
    """
    alias = read_alias()
    accounts = list(
        WalletPot.objects.using(alias)
        .filter(wallet__learner=user)
        .values_list("account_id", flat=True)
    )
    return (
        LedgerEntry.objects.using(alias)
        .filter(account_id__in=accounts)
        .select_related("transaction", "account__pot__programme")
    )


def applications_for_learner(*, user: Any) -> QuerySet[ProgrammeApplication]:
    return ProgrammeApplication.objects.filter(learner=user).select_related("programme__funder")
