"""Reconciliation with Stripe: our records and Stripe's, compared since a date.

Each kind of record (transfers here; card payments and refunds alongside) is a `Source`:
`ours(since)` and `theirs(since)` return `Record`s keyed the same way on both sides (our
record's key, which we send to Stripe in the object's metadata). `reconcile(since)` lists
every difference: missing on our side, missing on Stripe's, amount or status mismatch.
Sources register themselves with `register_source`; the transfers source is registered
below, when this module is imported.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from django.db import transaction
from django.utils import timezone

from core.checks import present
from payments.gateway.connect import Transfer, get_connect_gateway
from payments.models import Payout, ReconciliationDifference, ReconciliationRun

Problem = ReconciliationDifference.Problem


@dataclass(frozen=True)
class Record:
    kind: str
    key: str
    stripe_id: str | None
    amount: int
    currency: str
    status: str


@dataclass(frozen=True)
class Difference:
    kind: str
    key: str
    problem: str  # a ReconciliationDifference.Problem value
    ours: Record | None
    theirs: Record | None

    def __str__(self) -> str:
        record = present(self.ours or self.theirs, "a difference's record")
        label = Problem(self.problem).label
        parts = [f"{self.kind} {self.key}", label]
        if self.ours and self.theirs:
            if self.problem == Problem.AMOUNT:
                parts.append(f"ours {self.ours.amount}, Stripe {self.theirs.amount}")
            else:
                parts.append(f"ours {self.ours.status}, Stripe {self.theirs.status}")
        else:
            parts.append(f"{record.amount} {record.currency} {record.status}")
        if record.stripe_id:
            parts.append(record.stripe_id)
        return ": ".join(parts)


class Source(Protocol):
    kind: str

    def ours(self, since: dt.datetime) -> Iterable[Record]: ...

    def theirs(self, since: dt.datetime) -> Iterable[Record]: ...


_SOURCES: dict[str, Source] = {}


def register_source(source: Source) -> Source:
    """Add (or replace, by kind) a source that `reconcile` compares."""
    _SOURCES[source.kind] = source
    return source


def registered_sources() -> list[Source]:
    return list(_SOURCES.values())


def compare(kind: str, ours: Iterable[Record], theirs: Iterable[Record]) -> list[Difference]:
    mine = {record.key: record for record in ours}
    stripe = {record.key: record for record in theirs}
    differences = []
    for key in sorted(mine.keys() | stripe.keys()):
        a, b = mine.get(key), stripe.get(key)
        if b is None:
            differences.append(Difference(kind, key, Problem.MISSING_STRIPE, a, None))
        elif a is None:
            differences.append(Difference(kind, key, Problem.MISSING_OURS, None, b))
        elif (a.amount, a.currency) != (b.amount, b.currency):
            differences.append(Difference(kind, key, Problem.AMOUNT, a, b))
        elif a.status != b.status:
            differences.append(Difference(kind, key, Problem.STATUS, a, b))
    return differences


def reconcile(since: dt.datetime) -> list[Difference]:
    """Every difference between our records and Stripe's since `since`, source by source."""
    differences: list[Difference] = []
    for source in registered_sources():
        differences += compare(source.kind, source.ours(since), source.theirs(since))
    return differences


def reconciliation_run(*, since: dt.datetime) -> ReconciliationRun:
    """Reconcile and store the result for staff (the admin lists runs and differences); a
    run that failed is stored with its error."""
    try:
        differences = reconcile(since)
    except Exception as exc:
        ReconciliationRun.objects.create(
            since=since, finished_at=timezone.now(), error=f"{type(exc).__name__}: {exc}"[:500]
        )
        raise
    return reconciliation_store(since=since, differences=differences)


def reconciliation_store(*, since: dt.datetime, differences: list[Difference]) -> ReconciliationRun:
    rows = []
    for d in differences:
        record = present(d.theirs or d.ours, "a difference's record")
        rows.append(
            ReconciliationDifference(
                kind=d.kind,
                key=d.key,
                problem=d.problem,
                stripe_id=record.stripe_id or "",
                currency=record.currency,
                our_amount=d.ours.amount if d.ours else None,
                their_amount=d.theirs.amount if d.theirs else None,
                our_status=d.ours.status if d.ours else "",
                their_status=d.theirs.status if d.theirs else "",
            )
        )
    with transaction.atomic():
        run = ReconciliationRun.objects.create(
            since=since, finished_at=timezone.now(), differences_count=len(rows)
        )
        for row in rows:
            row.run = run
        ReconciliationDifference.objects.bulk_create(rows)
    return run


# --- Transfers: provider payouts -------------------------------------------------------------

# Our payout statuses as Stripe would show the transfer.
_TRANSFER_STATUS = {
    Payout.Status.CALLING: "pending",
    Payout.Status.PAID: "paid",
    Payout.Status.REVERSED: "reversed",
}


def transfer_status(transfer: Transfer) -> str:
    if transfer.reversed or transfer.amount_reversed >= transfer.amount:
        return "reversed"
    if transfer.amount_reversed:
        return "partially_reversed"
    return "paid"


class TransferSource:
    """Payouts and Stripe transfers. Keyed `payout:<id>` (the transfer's `payout_id`
    metadata; a transfer without it is keyed by its Stripe id and is missing on our side).
    A payout Stripe refused never became a transfer and is not compared."""

    kind = "transfer"

    def ours(self, since: dt.datetime) -> list[Record]:
        payouts = Payout.objects.filter(created_at__gte=since).exclude(status=Payout.Status.FAILED)
        return [
            Record(
                kind=self.kind,
                key=f"payout:{payout.pk}",
                stripe_id=payout.stripe_transfer_id,
                amount=payout.amount,
                currency=payout.currency,
                status="partially_reversed"
                if payout.status == Payout.Status.PAID and payout.amount_returned
                else _TRANSFER_STATUS[Payout.Status(payout.status)],
            )
            for payout in payouts.order_by("pk")
        ]

    def theirs(self, since: dt.datetime) -> list[Record]:
        return [
            Record(
                kind=self.kind,
                key=f"payout:{t.metadata['payout_id']}"
                if t.metadata.get("payout_id")
                else f"stripe:{t.id}",
                stripe_id=t.id,
                amount=t.amount,
                currency=t.currency,
                status=transfer_status(t),
            )
            for t in get_connect_gateway().list_transfers(since=since)
        ]


transfers_source = register_source(TransferSource())
