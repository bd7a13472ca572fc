"""Ledger verification: walk every account's hash chain and check every balance.

Independent of the triggers that wrote the data: it recomputes each entry's hash from its
fields and the previous entry's hash, so an entry edited behind the triggers' back (for
instance by a superuser with triggers disabled) breaks the chain at that entry.

Everything is read from one snapshot (a REPEATABLE READ, READ ONLY transaction), so postings
that commit while it runs are either wholly seen or not at all: a live, healthy ledger
never looks broken, and the verification can run while traffic flows.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils import timezone

from wallets.models import LedgerVerificationRun


def entry_hash(
    prev_hash: str, account_id: int, transaction_id: int, seq: int, amount: int, currency: str
) -> str:
    """Same formula as the SQL function `ledger_entry_hash`."""
    text = "|".join(
        str(part) for part in (prev_hash, account_id, transaction_id, seq, amount, currency)
    )
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class Break:
    kind: str  # chain_break, balance_mismatch, unbalanced_transaction, sequence_gap
    account_id: int | None
    entry_id: int | None
    transaction_id: int | None
    message: str


@dataclass
class VerificationReport:
    accounts_checked: int = 0
    entries_checked: int = 0
    transactions_checked: int = 0
    breaks: list[Break] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.breaks

    @property
    def first_break(self) -> Break | None:
        return self.breaks[0] if self.breaks else None


def ledger_verify(*, account_ids: list[int] | None = None) -> VerificationReport:
    """Check every (or the given) account; report the first break in each account's chain.

    Opens its own snapshot. Called inside a caller's transaction (a test's, say), it reads
    what that transaction sees instead: the isolation of a started transaction is fixed.
    """
    if connection.in_atomic_block:
        return _verify(account_ids)
    with transaction.atomic():
        with connection.cursor() as cursor:
            # Must be the transaction's first statement.
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        return _verify(account_ids)


def ledger_verify_and_store(*, trigger: str) -> tuple[VerificationReport, LedgerVerificationRun]:
    """Verify the whole ledger and keep the result (what auditors see as the latest run)."""
    started = timezone.now()
    report = ledger_verify()
    first = report.first_break
    run = LedgerVerificationRun.objects.create(
        trigger=trigger,
        started_at=started,
        finished_at=timezone.now(),
        ok=report.ok,
        accounts_checked=report.accounts_checked,
        entries_checked=report.entries_checked,
        transactions_checked=report.transactions_checked,
        breaks=len(report.breaks),
        first_break=f"{first.kind}: {first.message}" if first else "",
    )
    return report, run


def _verify(account_ids: list[int] | None) -> VerificationReport:
    report = VerificationReport()
    where = "WHERE a.id = ANY(%s)" if account_ids is not None else ""
    params: list[list[int]] = [account_ids] if account_ids is not None else []
    with connection.cursor() as accounts_cursor:
        # The query is fixed text (the filter is one of two literals); values are bound.
        query = f"SELECT a.id, a.balance, a.entry_count, a.last_hash FROM wallets_ledgeraccount a {where} ORDER BY a.id"  # noqa: E501, S608
        accounts_cursor.execute(query, params)
        accounts = accounts_cursor.fetchall()
    for account_id, balance, entry_count, last_hash in accounts:
        report.accounts_checked += 1
        _verify_account(report, account_id, balance, entry_count, last_hash)
    _verify_transactions(report)
    return report


def _verify_account(
    report: VerificationReport, account_id: int, balance: int, entry_count: int, last_hash: str
) -> None:
    prev_hash, running, expected_seq = "", 0, 0
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, transaction_id, sequence, amount, currency, prev_hash, hash, balance_after "
            "FROM wallets_ledgerentry WHERE account_id = %s ORDER BY sequence",
            [account_id],
        )
        while rows := cursor.fetchmany(2000):
            for (
                entry_id,
                txn_id,
                seq,
                amount,
                currency,
                stored_prev,
                stored_hash,
                balance_after,
            ) in rows:
                report.entries_checked += 1
                expected_seq += 1
                running += amount
                if seq != expected_seq:
                    report.breaks.append(
                        Break(
                            "sequence_gap",
                            account_id,
                            entry_id,
                            txn_id,
                            f"entry {entry_id} has sequence {seq}, expected {expected_seq}",
                        )
                    )
                    return
                if (
                    stored_prev != prev_hash
                    or entry_hash(prev_hash, account_id, txn_id, seq, amount, currency)
                    != stored_hash
                ):
                    report.breaks.append(
                        Break(
                            "chain_break",
                            account_id,
                            entry_id,
                            txn_id,
                            f"entry {entry_id} (sequence {seq}) does not match its hash",
                        )
                    )
                    return
                if balance_after != running:
                    report.breaks.append(
                        Break(
                            "chain_break",
                            account_id,
                            entry_id,
                            txn_id,
                            f"entry {entry_id} records balance {balance_after}, "
                            f"entries sum to {running}",
                        )
                    )
                    return
                prev_hash = stored_hash
    if running != balance or expected_seq != entry_count or prev_hash != last_hash:
        report.breaks.append(
            Break(
                "balance_mismatch",
                account_id,
                None,
                None,
                f"account {account_id} caches balance {balance} over {entry_count} entries; "
                f"its entries sum to {running} over {expected_seq}",
            )
        )


def _verify_transactions(report: VerificationReport) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM wallets_ledgertransaction")
        report.transactions_checked = cursor.fetchone()[0]
        cursor.execute(
            "SELECT transaction_id, currency, sum(amount) FROM wallets_ledgerentry "
            "GROUP BY transaction_id, currency HAVING sum(amount) <> 0 "
            "ORDER BY transaction_id LIMIT 100"
        )
        for txn_id, currency, total in cursor.fetchall():
            report.breaks.append(
                Break(
                    "unbalanced_transaction",
                    None,
                    None,
                    txn_id,
                    f"transaction {txn_id} is off by {total} {currency}",
                )
            )
