"""The ledger's invariants, enforced by PostgreSQL even when Python is bypassed."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from tests.wallets.ledger_helpers import external, funded, new_account
from wallets.errors import (
    AlreadyReversed,
    CurrencyMismatch,
    IdempotencyConflict,
    InsufficientFunds,
    InvalidAmount,
    InvalidPosting,
    UnbalancedTransaction,
    UnknownAccount,
)
from wallets.ledger import ledger_post, transaction_reverse
from wallets.models import LedgerAccount, LedgerEntry, LedgerTransaction
from wallets.verification import ledger_verify

pytestmark = pytest.mark.django_db


def _balance(account: LedgerAccount) -> int:
    account.refresh_from_db()
    return account.balance


def _entry_sum(account: LedgerAccount) -> int:
    return sum(LedgerEntry.objects.filter(account=account).values_list("amount", flat=True))


def test_posting_moves_money_and_keeps_balances_equal_to_entries() -> None:
    pot = funded(100_000)
    provider = new_account(kind="provider_payable")
    posting = ledger_post(
        kind="spend", currency="GBP", lines=[(pot, -30_000), (provider, 30_000)], memo="Course fee"
    )
    assert posting.replayed is False
    assert _balance(pot) == 70_000 == _entry_sum(pot)
    assert _balance(provider) == 30_000 == _entry_sum(provider)
    txn = LedgerTransaction.objects.get(pk=posting.transaction_id)
    assert txn.memo == "Course fee"
    assert sorted(txn.entries.values_list("amount", flat=True)) == [-30_000, 30_000]
    assert ledger_verify().ok


def test_overdraft_is_refused_and_nothing_changes() -> None:
    pot = funded(5_000)
    provider = new_account(kind="provider_payable")
    before = LedgerTransaction.objects.count()
    with pytest.raises(InsufficientFunds) as info, transaction.atomic():
        ledger_post(kind="spend", currency="GBP", lines=[(pot, -5_001), (provider, 5_001)])
    # The shortfall, and nothing internal such as the ledger account id.
    assert info.value.extra == {"shortfall": 1}
    assert _balance(pot) == 5_000
    assert _balance(provider) == 0
    assert LedgerTransaction.objects.count() == before


@pytest.mark.parametrize(
    ("amounts", "error"),
    [
        ((0, 0), InvalidAmount),
        ((-1.5, 1.5), InvalidAmount),
        ((-True, True), InvalidAmount),
        ((-100, 99), UnbalancedTransaction),
        ((-(10**16), 10**16), InvalidAmount),
    ],
)
def test_bad_amounts_are_refused(amounts: tuple, error: type[Exception]) -> None:
    pot = funded(1_000)
    other = new_account()
    with pytest.raises(error), transaction.atomic():
        ledger_post(kind="spend", currency="GBP", lines=[(pot, amounts[0]), (other, amounts[1])])
    assert _balance(pot) == 1_000


def test_one_line_duplicate_accounts_and_unknown_kind_are_refused() -> None:
    pot = funded(1_000)
    with pytest.raises(InvalidPosting), transaction.atomic():
        ledger_post(kind="spend", currency="GBP", lines=[(pot, -1), (pot, 1)])
    with pytest.raises(InvalidPosting), transaction.atomic():
        ledger_post(kind="spend", currency="GBP", lines=[(pot, -5)])
    with pytest.raises(InvalidPosting), transaction.atomic():
        ledger_post(kind="made_up", currency="GBP", lines=[(pot, -1), (new_account(), 1)])


def test_currency_mismatch_and_unknown_account_are_refused() -> None:
    pot = funded(1_000)
    dollars = new_account(currency="USD")
    with pytest.raises(CurrencyMismatch), transaction.atomic():
        ledger_post(kind="spend", currency="GBP", lines=[(pot, -100), (dollars, 100)])
    with pytest.raises(CurrencyMismatch), transaction.atomic():
        ledger_post(kind="spend", currency="gbp", lines=[(pot, -100), (new_account(), 100)])
    with pytest.raises(UnknownAccount), transaction.atomic():
        ledger_post(kind="spend", currency="GBP", lines=[(pot, -100), (987_654_321, 100)])
    assert _balance(pot) == 1_000


def test_idempotent_replay_returns_the_first_transaction() -> None:
    pot = funded(10_000)
    provider = new_account(kind="provider_payable")
    lines = [(pot, -2_500), (provider, 2_500)]
    first = ledger_post(kind="spend", currency="GBP", lines=lines, idempotency_key="k-1")
    again = ledger_post(kind="spend", currency="GBP", lines=lines, idempotency_key="k-1")
    assert again.transaction_id == first.transaction_id
    assert again.replayed is True
    assert _balance(pot) == 7_500


def test_conflicting_replay_is_refused() -> None:
    pot = funded(10_000)
    provider = new_account(kind="provider_payable")
    ledger_post(
        kind="spend",
        currency="GBP",
        lines=[(pot, -2_500), (provider, 2_500)],
        idempotency_key="k-2",
    )
    with pytest.raises(IdempotencyConflict) as info, transaction.atomic():
        ledger_post(
            kind="spend",
            currency="GBP",
            lines=[(pot, -9_000), (provider, 9_000)],
            idempotency_key="k-2",
        )
    assert info.value.status_code == 409
    assert _balance(pot) == 7_500


def test_reversal_restores_balances_once() -> None:
    pot = funded(10_000)
    provider = new_account(kind="provider_payable")
    posting = ledger_post(kind="spend", currency="GBP", lines=[(pot, -4_000), (provider, 4_000)])
    transaction_reverse(actor_id=None, transaction_id=posting.transaction_id)
    assert _balance(pot) == 10_000
    assert _balance(provider) == 0
    with pytest.raises(AlreadyReversed), transaction.atomic():
        transaction_reverse(actor_id=None, transaction_id=posting.transaction_id)
    assert ledger_verify().ok


def test_raw_update_and_delete_of_an_entry_fail() -> None:
    pot = funded(1_000)
    entry_id = LedgerEntry.objects.filter(account=pot).values_list("id", flat=True).first()
    for sql in (
        "UPDATE wallets_ledgerentry SET amount = amount + 1 WHERE id = %s",
        "DELETE FROM wallets_ledgerentry WHERE id = %s",
        "UPDATE wallets_ledgertransaction SET memo = 'x' "
        "WHERE id = (SELECT transaction_id FROM wallets_ledgerentry WHERE id = %s)",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [entry_id])
    assert _balance(pot) == 1_000


def test_raw_balance_update_is_refused() -> None:
    pot = funded(1_000)
    with (
        pytest.raises(DatabaseError, match="changes only through ledger entries"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("UPDATE wallets_ledgeraccount SET balance = 1000000 WHERE id = %s", [pot.pk])
    assert _balance(pot) == 1_000


def _raw_posting(lines: list[tuple[int, int]]) -> None:
    """Insert a transaction and its entries with plain SQL, bypassing every Python check."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO wallets_ledgertransaction (kind, fingerprint, memo, created_at) "
            "VALUES ('transfer', '', 'raw', now()) RETURNING id"
        )
        row = cursor.fetchone()
        assert row is not None
        for account_id, amount in lines:
            cursor.execute(
                "INSERT INTO wallets_ledgerentry (transaction_id, account_id, amount, currency, "
                "sequence, prev_hash, hash, balance_after, created_at) "
                "VALUES (%s, %s, %s, 'GBP', 0, '', '', 0, now())",
                [row[0], account_id, amount],
            )


def _raw_sql_with_triggers_off(sql: str, params: list[int]) -> None:
    """What a superuser could do: switch off every trigger for the transaction, then write."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(sql, params)


@pytest.mark.django_db(transaction=True)
def test_an_unbalanced_transaction_fails_at_commit_even_in_raw_sql() -> None:
    pot = funded(1_000)
    other = new_account()
    with pytest.raises(DatabaseError, match="does not balance"):
        _raw_posting([(pot.pk, -100), (other.pk, 90)])
    assert _balance(pot) == 1_000
    assert _balance(other) == 0


@pytest.mark.django_db(transaction=True)
def test_a_negative_protected_balance_fails_in_raw_sql_even_without_triggers() -> None:
    pot = funded(1_000)
    source = external()
    with pytest.raises(DatabaseError, match="insufficient funds"):
        _raw_posting([(pot.pk, -2_000), (source.pk, 2_000)])
    # With every trigger switched off by a superuser, the CHECK constraint still holds.
    with pytest.raises(DatabaseError, match="balance_not_negative"):
        _raw_sql_with_triggers_off(
            "UPDATE wallets_ledgeraccount SET balance = -1 WHERE id = %s", [pot.pk]
        )
    assert _balance(pot) == 1_000


@pytest.mark.django_db(transaction=True)
def test_tampering_through_a_superuser_connection_is_reported_by_ledger_verify() -> None:
    from io import StringIO

    from django.core.management import CommandError, call_command

    pot = funded(10_000)
    provider = new_account(kind="provider_payable")
    ledger_post(kind="spend", currency="GBP", lines=[(pot, -1_000), (provider, 1_000)])
    ledger_post(kind="spend", currency="GBP", lines=[(pot, -2_000), (provider, 2_000)])
    out = StringIO()
    call_command("ledger_verify", stdout=out)
    assert "Ledger OK" in out.getvalue()

    tampered = LedgerEntry.objects.get(account=provider, sequence=1)
    _raw_sql_with_triggers_off(
        "UPDATE wallets_ledgerentry SET amount = 100000 WHERE id = %s", [tampered.pk]
    )

    report = ledger_verify()
    assert not report.ok
    first = report.first_break
    assert first is not None
    assert first.kind == "chain_break"
    assert first.entry_id == tampered.pk
    assert first.account_id == provider.pk
    with pytest.raises(CommandError, match=f"entry {tampered.pk}"):
        call_command("ledger_verify", stdout=StringIO())
