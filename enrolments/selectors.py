"""Reads of enrolments, each scoped to the caller: the learner's own, a provider's people's,
a funder's people's (404 outside them)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet

from core.errors import Forbidden, NotFound
from enrolments.models import Enrolment, HoldDraw
from providers.models import ProviderMembership
from wallets.models import FunderMembership, LedgerAccount, LedgerTransaction
from wallets.selectors import check_funder_officer

_ENROLMENT_RELATED = ("cohort__course__provider", "learner", "programme")


def enrolments_for_learner(*, user: Any) -> QuerySet[Enrolment]:
    return Enrolment.objects.filter(learner=user).select_related(*_ENROLMENT_RELATED)


def enrolment_get_for_learner(*, user: Any, enrolment_id: int) -> Enrolment:
    enrolment = enrolments_for_learner(user=user).filter(pk=enrolment_id).first()
    if enrolment is None:
        raise NotFound("Enrolment not found.")
    return enrolment


def enrolments_for_provider_member(*, user: Any) -> QuerySet[Enrolment]:
    return Enrolment.objects.filter(
        cohort__course__provider__in=ProviderMembership.objects.filter(user=user).values(
            "provider_id"
        )
    ).select_related(*_ENROLMENT_RELATED)


def enrolment_get_for_provider_member(*, user: Any, enrolment_id: int) -> Enrolment:
    enrolment = enrolments_for_provider_member(user=user).filter(pk=enrolment_id).first()
    if enrolment is None:
        raise NotFound("Enrolment not found.")
    return enrolment


def enrolments_for_funder_member(*, user: Any) -> QuerySet[Enrolment]:
    """Enrolments that money of one of the user's funders pays for: the programme whose rules
    apply, or any programme whose pot the hold drew from (two funders can share one)."""
    funders = FunderMembership.objects.filter(user=user).values("funder_id")
    drawn = HoldDraw.objects.filter(enrolment=OuterRef("pk"), pot__programme__funder__in=funders)
    return Enrolment.objects.filter(
        Q(programme__funder__in=funders) | Exists(drawn)
    ).select_related(*_ENROLMENT_RELATED)


def enrolment_get_for_funder_member(
    *, user: Any, enrolment_id: int, officer: bool = False
) -> Enrolment:
    enrolment = enrolments_for_funder_member(user=user).filter(pk=enrolment_id).first()
    if enrolment is None:
        raise NotFound("Enrolment not found.")
    if officer:
        # Officers of the funder whose programme set the rules decide; co-funders only see.
        if enrolment.programme is None:
            raise Forbidden("No funder's programme sets the rules of this enrolment.")
        check_funder_officer(user=user, funder_id=enrolment.programme.funder_id)
    return enrolment


# --- Providers' earnings, read from the ledger ------------------------------------------------

_HOLD_FLOWS = """
SELECT en.{group}, t.kind, SUM(e.amount)
FROM wallets_ledgerentry e
JOIN wallets_ledgeraccount a ON a.id = e.account_id
JOIN enrolments_enrolmenthold h ON h.account_id = a.id
JOIN enrolments_enrolment en ON en.id = h.enrolment_id
JOIN wallets_ledgertransaction t ON t.id = e.transaction_id
WHERE a.owner_provider_id = %s {where}
GROUP BY en.{group}, t.kind
"""


@dataclass
class Earnings:
    """What escrow did for a provider: still held for it, released to it, clawed back."""

    held: int = 0
    released: int = 0
    clawed_back: int = 0
    returned_to_learners: int = 0

    @property
    def paid(self) -> int:
        return self.released - self.clawed_back

    def add(self, kind: str, amount: int) -> None:
        self.held += amount
        if kind == LedgerTransaction.Kind.MILESTONE_RELEASE:
            self.released -= amount
        elif kind == LedgerTransaction.Kind.CLAWBACK:
            self.clawed_back += amount
        elif kind == LedgerTransaction.Kind.HOLD_RETURN:
            self.returned_to_learners -= amount


def _hold_flows(
    provider_id: int, group: str, where: str = "", params: list[Any] | None = None
) -> dict[int, Earnings]:
    earnings: dict[int, Earnings] = defaultdict(Earnings)
    with connection.cursor() as cursor:
        cursor.execute(_HOLD_FLOWS.format(group=group, where=where), [provider_id, *(params or [])])
        for key, kind, amount in cursor.fetchall():
            earnings[key].add(kind, int(amount))
    return earnings


def provider_earnings_by_cohort(*, provider_id: int) -> tuple[dict[str, int], dict[int, Earnings]]:
    """The provider's payable balance per currency, and escrow flows per cohort."""
    payable = {
        currency: int(total)
        for currency, total in LedgerAccount.objects.filter(
            owner_provider_id=provider_id, kind=LedgerAccount.Kind.PROVIDER_PAYABLE
        ).values_list("currency", "balance")
    }
    return payable, _hold_flows(provider_id, "cohort_id")


def cohort_earnings_by_enrolment(*, cohort: Any) -> dict[int, Earnings]:
    return _hold_flows(cohort.course.provider_id, "id", "AND en.cohort_id = %s", [cohort.pk])
