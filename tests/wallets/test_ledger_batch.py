"""`ledger_post_batch`: many transactions in one round trip, every invariant kept."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from tests.wallets.ledger_helpers import external, funded, new_account
from wallets.errors import (
    CurrencyMismatch,
    IdempotencyConflict,
    InsufficientFunds,
    InvalidPosting,
    UnbalancedTransaction,
    UnknownAccount,
)
from wallets.ledger import BatchPosting, ledger_post, ledger_post_batch
from wallets.models import LedgerAccount, LedgerEntry, LedgerTransaction
from wallets.verification import ledger_verify

pytestmark = pytest.mark.django_db


def _grants(budget: LedgerAccount, pots: list[LedgerAccount], amount: int) -> list[BatchPosting]:
    return [
        BatchPosting(
            idempotency_key=f"t-{budget.pk}-{pot.pk}", lines=[(budget, -amount), (pot, amount)]
        )
        for pot in pots
    ]


def _raw_batch(lines: list[tuple[int, int, int]], keys: list[str]) -> None:
    """Call the SQL function directly, past the Python checks."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT * FROM ledger_post_batch('transfer', 'GBP', NULL, %s, %s, %s, %s, %s, %s, %s)",
            [
                keys,
                ["" for _ in keys],
                ["" for _ in keys],
                [None for _ in keys],
                [t for t, _, _ in lines],
                [a for _, a, _ in lines],
                [m for _, _, m in lines],
            ],
        )


def test_an_unbalanced_posting_refuses_the_whole_batch_in_the_database() -> None:
    budget = funded(10_000, kind="programme_budget")
    pots = [new_account() for _ in range(3)]
    before = LedgerTransaction.objects.count()
    lines = [(1, budget.pk, -100), (1, pots[0].pk, 100)]
    lines += [(2, budget.pk, -100), (2, pots[1].pk, 99)]  # off by a penny
    lines += [(3, budget.pk, -100), (3, pots[2].pk, 100)]
    with pytest.raises(DatabaseError) as info, transaction.atomic():
        _raw_batch(lines, ["u-1", "u-2", "u-3"])
    assert getattr(info.value.__cause__, "sqlstate", None) == "SW003"
    assert LedgerTransaction.objects.count() == before
    budget.refresh_from_db()
    assert budget.balance == 10_000
    assert not LedgerEntry.objects.filter(account__in=pots).exists()


def test_python_refuses_an_unbalanced_posting_before_the_database() -> None:
    budget = funded(10_000, kind="programme_budget")
    pot = new_account()
    with pytest.raises(UnbalancedTransaction):
        ledger_post_batch(
            kind="grant",
            currency="GBP",
            postings=[BatchPosting(idempotency_key="x", lines=[(budget, -5), (pot, 4)])],
        )


def test_a_posting_with_one_line_or_a_repeated_account_is_refused() -> None:
    budget = funded(10_000, kind="programme_budget")
    with pytest.raises(DatabaseError) as info, transaction.atomic():
        _raw_batch([(1, budget.pk, 0), (1, budget.pk, 0)], ["one"])
    assert getattr(info.value.__cause__, "sqlstate", None) == "SW007"
    with pytest.raises(InvalidPosting):
        ledger_post_batch(
            kind="grant",
            currency="GBP",
            postings=[BatchPosting(idempotency_key="y", lines=[(budget, -5), (budget, 5)])],
        )


def test_repeated_keys_in_one_batch_are_refused() -> None:
    budget = funded(10_000, kind="programme_budget")
    pot_a, pot_b = new_account(), new_account()
    with pytest.raises(InvalidPosting):
        ledger_post_batch(
            kind="grant",
            currency="GBP",
            postings=[
                BatchPosting(idempotency_key="same", lines=[(budget, -5), (pot_a, 5)]),
                BatchPosting(idempotency_key="same", lines=[(budget, -5), (pot_b, 5)]),
            ],
        )
    lines = [(1, budget.pk, -5), (1, pot_a.pk, 5), (2, budget.pk, -5), (2, pot_b.pk, 5)]
    with pytest.raises(DatabaseError) as info, transaction.atomic():
        _raw_batch(lines, ["same", "same"])
    assert getattr(info.value.__cause__, "sqlstate", None) == "SW007"


def test_an_overdraft_anywhere_refuses_the_batch() -> None:
    budget = funded(250, kind="programme_budget")
    pots = [new_account() for _ in range(3)]
    with pytest.raises(InsufficientFunds) as info, transaction.atomic():
        ledger_post_batch(kind="grant", currency="GBP", postings=_grants(budget, pots, 100))
    assert info.value.extra == {"shortfall": 50}
    budget.refresh_from_db()
    assert budget.balance == 250
    assert not LedgerEntry.objects.filter(account__in=pots).exists()


def test_unknown_account_and_other_currency_are_refused() -> None:
    budget = funded(1_000, kind="programme_budget")
    euro = new_account(currency="EUR")
    with pytest.raises(CurrencyMismatch), transaction.atomic():
        ledger_post_batch(
            kind="grant",
            currency="GBP",
            postings=[BatchPosting(idempotency_key="eur", lines=[(budget, -5), (euro, 5)])],
        )
    with pytest.raises(UnknownAccount), transaction.atomic():
        ledger_post_batch(
            kind="grant",
            currency="GBP",
            postings=[BatchPosting(idempotency_key="nope", lines=[(budget, -5), (10**12, 5)])],
        )


def test_a_batch_posts_every_transaction_with_chains_that_verify() -> None:
    budget = funded(1_000_000, kind="programme_budget")
    pots = [new_account() for _ in range(50)]
    postings = ledger_post_batch(
        kind="grant", currency="GBP", postings=_grants(budget, pots, 1_000), actor_id=None
    )
    assert len(postings) == 50
    assert not any(p.replayed for p in postings)
    assert len({p.transaction_id for p in postings}) == 50
    budget.refresh_from_db()
    assert budget.balance == 1_000_000 - 50_000
    assert budget.entry_count == 51  # the funding, then one debit per grant, in one chain
    for pot in pots:
        pot.refresh_from_db()
        assert (pot.balance, pot.entry_count) == (1_000, 1)
    for posting in postings:
        amounts = LedgerEntry.objects.filter(transaction_id=posting.transaction_id)
        assert sorted(amounts.values_list("amount", flat=True)) == [-1_000, 1_000]
    report = ledger_verify()
    assert report.ok, report.first_break
    # A single posting after a batch continues the same chains through the entry trigger.
    ledger_post(kind="transfer", currency="GBP", lines=[(budget, -1), (pots[0], 1)])
    assert ledger_verify().ok


def test_replaying_a_batch_posts_nothing_twice() -> None:
    budget = funded(100_000, kind="programme_budget")
    pots = [new_account() for _ in range(10)]
    first = ledger_post_batch(kind="grant", currency="GBP", postings=_grants(budget, pots[:6], 500))
    entries = LedgerEntry.objects.count()
    # The whole batch again, plus four new rows: the six replay, the four post.
    second = ledger_post_batch(kind="grant", currency="GBP", postings=_grants(budget, pots, 500))
    assert [p.replayed for p in second] == [True] * 6 + [False] * 4
    assert [p.transaction_id for p in second[:6]] == [p.transaction_id for p in first]
    assert LedgerEntry.objects.count() == entries + 8
    budget.refresh_from_db()
    assert budget.balance == 100_000 - 10 * 500
    assert ledger_verify().ok


def test_a_key_reused_for_another_request_refuses_the_batch() -> None:
    budget = funded(100_000, kind="programme_budget")
    pot, other = new_account(), new_account()
    ledger_post_batch(kind="grant", currency="GBP", postings=_grants(budget, [pot], 500))
    changed = [
        BatchPosting(idempotency_key=f"t-{budget.pk}-{pot.pk}", lines=[(budget, -600), (pot, 600)])
    ]
    changed.append(BatchPosting(idempotency_key="fresh", lines=[(budget, -1), (other, 1)]))
    with pytest.raises(IdempotencyConflict), transaction.atomic():
        ledger_post_batch(kind="grant", currency="GBP", postings=changed)
    assert not LedgerEntry.objects.filter(account=other).exists()


def test_the_batch_bypass_is_off_after_the_batch_and_balances_stay_guarded() -> None:
    budget = funded(1_000, kind="programme_budget")
    pot = new_account()
    ledger_post_batch(kind="grant", currency="GBP", postings=_grants(budget, [pot], 10))
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('ledger.batch', true)")
        assert cursor.fetchone()[0] == "off"
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE wallets_ledgeraccount SET balance = 5 WHERE id = %s", [pot.pk])
    src = external()
    with transaction.atomic(), connection.cursor() as cursor:
        # A hand-written entry outside a batch still goes through the entry trigger and the
        # deferred balance check: one line alone does not balance.
        cursor.execute(
            "INSERT INTO wallets_ledgertransaction (kind, fingerprint, memo, created_at) "
            "VALUES ('transfer', '', '', now()) RETURNING id"
        )
        txn = cursor.fetchone()[0]
        cursor.execute(
            "INSERT INTO wallets_ledgerentry (transaction_id, account_id, amount, currency, "
            "sequence, prev_hash, hash, balance_after, created_at) "
            "VALUES (%s, %s, 7, 'GBP', 0, '', '', 0, now()) RETURNING hash",
            [txn, src.pk],
        )
        assert cursor.fetchone()[0] != ""  # the entry trigger computed the hash
        with pytest.raises(DatabaseError) as info:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        assert getattr(info.value.__cause__, "sqlstate", None) == "SW003"
        transaction.set_rollback(True)
