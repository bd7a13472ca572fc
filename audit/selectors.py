"""Audit reads, scoped to the caller's funder memberships (out of scope is a 404)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from audit.models import AnomalyFlag
from core.errors import NotFound
from core.models import AuditRecord
from wallets.models import Funder, FundingProgramme, LedgerVerificationRun
from wallets.selectors import programme_get_for_member


def open_flags(funder: Funder, programme: FundingProgramme | None = None) -> QuerySet[AnomalyFlag]:
    """A funder's open flags (one programme's, when given), newest first: the dashboard's list.

    The caller has already checked that the viewer belongs to `funder`.
    """
    flags = AnomalyFlag.objects.filter(
        programme__funder=funder, status=AnomalyFlag.Status.OPEN
    ).select_related("programme", "provider")
    if programme is not None:
        flags = flags.filter(programme=programme)
    return flags.order_by("-last_seen_at", "-pk")


def flags_for_member(*, user: Any, programme_id: int) -> QuerySet[AnomalyFlag]:
    """One programme's flags, open and cleared, for its funder's officers and auditors."""
    programme = programme_get_for_member(user=user, programme_id=programme_id)
    return AnomalyFlag.objects.filter(programme=programme).select_related(
        "programme", "provider", "cleared_by"
    )


def flag_get_for_member(*, user: Any, flag_id: int) -> AnomalyFlag:
    flag = (
        AnomalyFlag.objects.filter(pk=flag_id, programme__funder__memberships__user=user)
        .select_related("programme")
        .first()
    )
    if flag is None:
        raise NotFound("Flag not found.")
    return flag


def trail_for_member(*, user: Any, programme_id: int) -> QuerySet[AuditRecord]:
    """The audit trail of one programme: everything recorded against it (its status, rules,
    funding, grants, approvals, its enrolments' transitions and its flags)."""
    programme = programme_get_for_member(user=user, programme_id=programme_id)
    return AuditRecord.objects.filter(programme_id=programme.pk).select_related("actor")


def latest_ledger_verification() -> LedgerVerificationRun | None:
    return LedgerVerificationRun.objects.order_by("-finished_at", "-pk").first()
