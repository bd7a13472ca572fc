"""`ledger_verify` reads one snapshot, and a reversal says "already reversed" only when it was.

The verification reads the accounts, then each account's entries, then the transactions.
Under READ COMMITTED each query sees what committed before it started, so a posting that
commits between two of them made a live, healthy ledger look broken.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.db import DatabaseError, connection, connections

from core.db import sqlstate_of
from tests.wallets.ledger_helpers import external, funded, new_account
from wallets.errors import AlreadyReversed
from wallets.ledger import ledger_post, transaction_reverse
from wallets.models import LedgerAccount, LedgerTransaction
from wallets.verification import VerificationReport, ledger_verify


@pytest.mark.django_db(transaction=True)
def test_verification_stays_clean_while_money_moves() -> None:
    accounts = [funded(1_000_000) for _ in range(6)]
    stop = threading.Event()
    posted = [0, 0]

    def keep_posting(worker: int) -> None:
        try:
            step = 0
            while not stop.is_set():
                a = accounts[(step + worker) % len(accounts)]
                b = accounts[(step + worker + 1) % len(accounts)]
                ledger_post(kind="transfer", currency="GBP", lines=[(a, -1), (b, 1)])
                posted[worker] += 1
                step += 1
        finally:
            connections.close_all()

    workers = [threading.Thread(target=keep_posting, args=(n,)) for n in range(2)]
    for worker in workers:
        worker.start()
    try:
        reports: list[VerificationReport] = []
        while len(reports) < 40 or sum(posted) < 200:
            reports.append(ledger_verify())
            if len(reports) > 400:
                break
    finally:
        stop.set()
        for worker in workers:
            worker.join(timeout=60)
    assert sum(posted) >= 200, posted
    broken = [report.first_break for report in reports if not report.ok]
    assert broken == [], broken[:3]
    assert ledger_verify().ok


@contextmanager
def row_locked(table: str, row_id: int) -> Iterator[None]:
    """Hold a row lock from another connection, as a long transaction elsewhere would."""
    other = connection.get_new_connection(connection.get_connection_params())
    try:
        with other.cursor() as cursor:
            cursor.execute(f"SELECT 1 FROM {table} WHERE id = %s FOR UPDATE", [row_id])  # noqa: S608
        yield
    finally:
        other.rollback()
        other.close()


@pytest.mark.django_db(transaction=True)
def test_a_database_error_while_reversing_is_that_error_not_already_reversed() -> None:
    source, target = external(), new_account()
    posting = ledger_post(kind="transfer", currency="GBP", lines=[(source, -500), (target, 500)])
    with connection.cursor() as cursor:
        cursor.execute("SET lock_timeout = '200ms'")
    try:
        with row_locked("wallets_ledgeraccount", target.pk), pytest.raises(DatabaseError) as info:
            transaction_reverse(actor_id=None, transaction_id=posting.transaction_id)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET lock_timeout")
    assert not isinstance(info.value, AlreadyReversed)
    assert sqlstate_of(info.value) == "55P03"  # lock_not_available
    assert not LedgerTransaction.objects.filter(reverses_id=posting.transaction_id).exists()
    # It was not reversed: it still can be, once.
    transaction_reverse(actor_id=None, transaction_id=posting.transaction_id)
    with pytest.raises(AlreadyReversed):
        transaction_reverse(actor_id=None, transaction_id=posting.transaction_id)
    assert LedgerAccount.objects.get(pk=target.pk).balance == 0
    assert ledger_verify().ok


@pytest.mark.django_db(transaction=True)
def test_two_reversals_at_once_post_one_and_refuse_the_other() -> None:
    source, target = external(), new_account()
    posting = ledger_post(kind="transfer", currency="GBP", lines=[(source, -500), (target, 500)])

    def reverse() -> int:
        reversal = transaction_reverse(actor_id=None, transaction_id=posting.transaction_id)
        return reversal.transaction_id

    # Both reach the posting before either commits: the database, not the early check,
    # refuses the second one.
    results: list[Any] = [None, None]

    def run(index: int) -> None:
        try:
            results[index] = reverse()
        except Exception as exc:  # noqa: BLE001 - asserted below
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(2)]
    with row_locked("wallets_ledgeraccount", target.pk):
        for thread in threads:
            thread.start()
        time.sleep(1)
    for thread in threads:
        thread.join(timeout=60)
    reversed_ids = [r for r in results if isinstance(r, int)]
    refusals = [r for r in results if isinstance(r, AlreadyReversed)]
    assert len(reversed_ids) == 1, results
    assert len(refusals) == 1, results
    assert LedgerTransaction.objects.filter(reverses_id=posting.transaction_id).count() == 1
    assert LedgerAccount.objects.get(pk=target.pk).balance == 0
    assert ledger_verify().ok
