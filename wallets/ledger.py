"""Posting to the double-entry ledger: the one way money moves.

`ledger_post` sends a whole transaction to the `ledger_post()` PostgreSQL function in one
round trip. The database locks the accounts in primary-key order, refuses overdrafts,
currency mismatches, unbalanced or edited entries, and makes idempotency keys unique;
this module validates input for clear errors and maps the database's refusals to domain
errors. See wallets/migrations/0003_ledger_invariants.py.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import DatabaseError, connection, transaction

from core.checks import present
from core.money import CURRENCIES, MAX_AMOUNT, is_supported_currency
from wallets.errors import (
    CurrencyMismatch,
    IdempotencyConflict,
    InsufficientFunds,
    InvalidAmount,
    InvalidPosting,
    LedgerImmutable,
    UnbalancedTransaction,
    UnknownAccount,
)
from wallets.models import LedgerAccount, LedgerTransaction

_POST_SQL = "SELECT transaction_id, replayed FROM ledger_post(%s, %s, %s, %s, %s, %s, %s, %s, %s)"


@dataclass(frozen=True)
class Posting:
    transaction_id: int
    replayed: bool  # True when the idempotency key had already posted this same request


def _account_id(account: LedgerAccount | int) -> int:
    return account if isinstance(account, int) else account.pk


def posting_fingerprint(
    kind: str, currency: str, lines: Sequence[tuple[int, int]], memo: str
) -> str:
    """What makes two requests "the same" for idempotency: kind, currency, lines, memo."""
    canonical = json.dumps([kind, currency, sorted(lines), memo], separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def check_amount(amount: Any) -> int:
    if isinstance(amount, bool) or not isinstance(amount, int) or amount == 0:
        raise InvalidAmount(amount=repr(amount))
    if abs(amount) > MAX_AMOUNT:
        raise InvalidAmount("The amount is too large.", amount=amount)
    return amount


def check_currency(currency: object) -> str:
    """A supported currency (core.money.CURRENCIES), or CurrencyMismatch."""
    if not is_supported_currency(currency):
        raise CurrencyMismatch(
            f"Unsupported currency: use one of {', '.join(CURRENCIES)}.", currency=str(currency)
        )
    return str(currency)


def ledger_post(
    *,
    kind: str,
    currency: str,
    lines: Sequence[tuple[LedgerAccount | int, int]],
    actor_id: int | None = None,
    memo: str = "",
    idempotency_key: str | None = None,
    reverses_id: int | None = None,
) -> Posting:
    """Post one balanced transaction: `lines` are (account, signed amount) pairs.

    Runs inside the caller's transaction (or its own). Raises InsufficientFunds when a
    protected account would go below zero, and nothing is posted.
    """
    check_currency(currency)
    if kind not in LedgerTransaction.Kind.values:
        raise InvalidPosting("Unknown transaction kind.", kind=kind)
    resolved = [(_account_id(account), check_amount(amount)) for account, amount in lines]
    account_ids = [account_id for account_id, _ in resolved]
    if len(resolved) < 2 or len(set(account_ids)) != len(account_ids):
        raise InvalidPosting(accounts=account_ids)
    if sum(amount for _, amount in resolved) != 0:
        raise UnbalancedTransaction(total=sum(amount for _, amount in resolved))
    memo = memo[:500]  # memos quote names and reasons; the column holds 500 characters
    if idempotency_key is not None and not 1 <= len(idempotency_key) <= 200:
        raise InvalidPosting("An idempotency key has 1 to 200 characters.")

    fingerprint = posting_fingerprint(kind, currency, resolved, memo) if idempotency_key else ""
    arguments = [
        kind,
        idempotency_key,
        fingerprint,
        actor_id,
        memo,
        reverses_id,
        currency,
        account_ids,
        [amount for _, amount in resolved],
    ]
    try:
        if connection.in_atomic_block:
            # Inside the caller's transaction. No savepoint: a refusal aborts the caller's
            # whole transaction, which is what a failed money movement must do.
            with transaction.atomic(savepoint=False), connection.cursor() as cursor:
                cursor.execute(_POST_SQL, arguments)
                row = cursor.fetchone()
        else:
            # On its own, the single statement is the transaction: PostgreSQL commits it (and
            # runs the deferred balance checks) in one round trip, or rolls all of it back.
            with connection.cursor() as cursor:
                cursor.execute(_POST_SQL, arguments)
                row = cursor.fetchone()
    except DatabaseError as exc:
        error = ledger_error_from_database(exc)
        if error is exc:
            raise  # not a refusal of the ledger's: keep the driver's error (and SQLSTATE) as cause
        raise error from exc
    row = present(row, "ledger_post()'s answer")
    return Posting(transaction_id=row[0], replayed=row[1])


@dataclass(frozen=True)
class BatchPosting:
    """One transaction of a batch: its own idempotency key, its lines, a memo."""

    idempotency_key: str
    lines: Sequence[tuple[LedgerAccount | int, int]]
    memo: str = ""
    reverses_id: int | None = None


_BATCH_SQL = (
    "SELECT idx, transaction_id, replayed FROM "
    "ledger_post_batch(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
)


def ledger_post_batch(
    *,
    kind: str,
    currency: str,
    postings: Sequence[BatchPosting],
    actor_id: int | None = None,
) -> list[Posting]:
    """Post many balanced transactions of one kind and currency in one round trip.

    The whole batch posts or none of it does: one bad posting (unbalanced, an overdraft, a
    key reused for another request) refuses the batch. A posting whose key already posted
    the same request is a replay (`replayed=True`) and posts nothing. Each account is locked
    once, so a programme budget paying thousands of grants is one hot row locked once. See
    wallets/migrations/0010_ledger_post_batch.py. Returns one Posting per input, in order.
    """
    check_currency(currency)
    if kind not in LedgerTransaction.Kind.values:
        raise InvalidPosting("Unknown transaction kind.", kind=kind)
    if not postings:
        return []
    keys: list[str] = []
    fingerprints: list[str] = []
    memos: list[str] = []
    reverses: list[int | None] = []
    line_txn: list[int] = []
    line_accounts: list[int] = []
    line_amounts: list[int] = []
    for index, posting in enumerate(postings, start=1):
        resolved = [(_account_id(a), check_amount(amount)) for a, amount in posting.lines]
        account_ids = [account_id for account_id, _ in resolved]
        if len(resolved) < 2 or len(set(account_ids)) != len(account_ids):
            raise InvalidPosting(accounts=account_ids, posting=index)
        if sum(amount for _, amount in resolved) != 0:
            raise UnbalancedTransaction(total=sum(amount for _, amount in resolved), posting=index)
        if not 1 <= len(posting.idempotency_key) <= 200:
            raise InvalidPosting("An idempotency key has 1 to 200 characters.", posting=index)
        memo = posting.memo[:500]
        keys.append(posting.idempotency_key)
        fingerprints.append(posting_fingerprint(kind, currency, resolved, memo))
        memos.append(memo)
        reverses.append(posting.reverses_id)
        for account_id, amount in resolved:
            line_txn.append(index)
            line_accounts.append(account_id)
            line_amounts.append(amount)
    if len(set(keys)) != len(keys):
        raise InvalidPosting("Every posting of a batch has its own idempotency key.")
    arguments = [
        kind,
        currency,
        actor_id,
        keys,
        fingerprints,
        memos,
        reverses,
        line_txn,
        line_accounts,
        line_amounts,
    ]
    try:
        with transaction.atomic(savepoint=False), connection.cursor() as cursor:
            cursor.execute(_BATCH_SQL, arguments)
            rows = cursor.fetchall()
    except DatabaseError as exc:
        error = ledger_error_from_database(exc)
        if error is exc:
            raise
        raise error from exc
    return [Posting(transaction_id=row[1], replayed=row[2]) for row in rows]


def ledger_error_from_database(exc: DatabaseError) -> Exception:
    """The domain error for a refusal raised by the ledger's triggers and functions."""
    cause = exc.__cause__
    sqlstate = getattr(cause, "sqlstate", None)
    diag = getattr(cause, "diag", None)
    message = getattr(diag, "message_primary", None) or str(exc)
    detail = getattr(diag, "message_detail", None) or ""
    # Error bodies carry nothing internal: no ledger account or transaction ids.
    if sqlstate == "SW001" or (sqlstate == "23514" and "balance_not_negative" in str(exc)):
        _, _, shortfall = detail.partition(":")
        if shortfall.isdigit():
            return InsufficientFunds(shortfall=int(shortfall))
        return InsufficientFunds()
    if sqlstate == "SW002":
        return CurrencyMismatch(message)
    if sqlstate == "SW003":
        return UnbalancedTransaction(message)
    if sqlstate == "SW004":
        return IdempotencyConflict()
    if sqlstate == "SW005":
        return LedgerImmutable(message)
    if sqlstate in {"SW006", "23503"}:
        return UnknownAccount()
    if sqlstate == "SW007":
        return InvalidPosting(message)
    return exc


def account_create(
    *,
    key: str,
    kind: str,
    name: str,
    currency: str,
    allow_negative: bool = False,
    programme_id: int | None = None,
    provider_id: int | None = None,
) -> LedgerAccount:
    check_currency(currency)
    return LedgerAccount.objects.create(
        key=key,
        kind=kind,
        name=name[:200],
        currency=currency,
        allow_negative=allow_negative,
        owner_programme_id=programme_id,
        owner_provider_id=provider_id,
    )


def account_get_or_create(
    *,
    key: str,
    kind: str,
    name: str,
    currency: str,
    allow_negative: bool = False,
    provider_id: int | None = None,
) -> LedgerAccount:
    account = LedgerAccount.objects.filter(key=key).first()
    if account is not None:
        return account
    return account_create(
        key=key,
        kind=kind,
        name=name,
        currency=currency,
        allow_negative=allow_negative,
        provider_id=provider_id,
    )


def transaction_reverse(
    *, actor_id: int | None, transaction_id: int, memo: str = "", idempotency_key: str | None = None
) -> Posting:
    """Post the mirror image of a transaction. A transaction is reversed at most once."""
    from wallets.errors import AlreadyReversed

    original = LedgerTransaction.objects.filter(pk=transaction_id).first()
    if original is None:
        raise UnknownAccount("No such ledger transaction.")
    if LedgerTransaction.objects.filter(reverses_id=transaction_id).exists():
        raise AlreadyReversed(transaction_id=transaction_id)
    entries = list(original.entries.values_list("account_id", "amount", "currency"))
    currency = entries[0][2]
    try:
        return ledger_post(
            kind=LedgerTransaction.Kind.REVERSAL,
            currency=currency,
            lines=[(account_id, -amount) for account_id, amount, _ in entries],
            actor_id=actor_id,
            memo=memo or f"Reversal of transaction {transaction_id}",
            idempotency_key=idempotency_key,
            reverses_id=transaction_id,
        )
    except DatabaseError as exc:
        if _violates_one_reversal(exc):  # a concurrent reversal committed first
            raise AlreadyReversed(transaction_id=transaction_id) from exc
        raise  # anything else (a lock timeout, a lost connection) is itself


def _violates_one_reversal(exc: DatabaseError) -> bool:
    """Whether `exc` is the unique constraint on `reverses` (a transaction is reversed once)."""
    cause = exc.__cause__
    if getattr(cause, "sqlstate", None) != "23505":  # unique_violation
        return False
    diag = getattr(cause, "diag", None)
    column = LedgerTransaction._meta.get_field("reverses").column
    return column in (getattr(diag, "constraint_name", None) or "")
