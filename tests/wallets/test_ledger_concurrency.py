"""Concurrent postings on real connections: exact outcomes, no deadlocks reach the caller."""

from __future__ import annotations

import pytest
from django.db import transaction

from tests.concurrency import run_concurrently
from tests.wallets.ledger_helpers import funded, new_account
from wallets.errors import InsufficientFunds
from wallets.ledger import Posting, ledger_post
from wallets.models import LedgerEntry
from wallets.verification import ledger_verify

pytestmark = pytest.mark.django_db(transaction=True)


def test_fifty_threads_spend_100_pounds_from_a_1000_pound_pot() -> None:
    pot = funded(100_000)
    provider = new_account(kind="provider_payable")

    def spend() -> Posting:
        # Outside any atomic block: the single ledger_post() statement is the transaction.
        return ledger_post(
            kind="spend", currency="GBP", lines=[(pot.pk, -10_000), (provider.pk, 10_000)]
        )

    results = run_concurrently([spend] * 50)
    succeeded = [r for r in results if isinstance(r, Posting)]
    refused = [r for r in results if isinstance(r, InsufficientFunds)]
    others = [r for r in results if not isinstance(r, (Posting, InsufficientFunds))]
    assert others == []
    assert len(succeeded) == 10
    assert len(refused) == 40
    assert all(r.code == "insufficient_funds" for r in refused)
    pot.refresh_from_db()
    assert pot.balance == 0
    assert sum(LedgerEntry.objects.filter(account=pot).values_list("amount", flat=True)) == 0
    assert ledger_verify().ok


def test_opposite_order_postings_on_the_same_accounts_never_deadlock() -> None:
    a = funded(1_000_000)
    b = funded(1_000_000)

    def a_to_b() -> list[Posting]:
        out = []
        for _ in range(20):
            with transaction.atomic():
                out.append(
                    ledger_post(kind="transfer", currency="GBP", lines=[(a.pk, -100), (b.pk, 100)])
                )
        return out

    def b_to_a() -> list[Posting]:
        out = []
        for _ in range(20):
            with transaction.atomic():
                out.append(
                    ledger_post(kind="transfer", currency="GBP", lines=[(b.pk, -100), (a.pk, 100)])
                )
        return out

    results = run_concurrently([a_to_b, b_to_a] * 4)
    errors = [r for r in results if isinstance(r, BaseException)]
    assert errors == []
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.balance == 1_000_000
    assert b.balance == 1_000_000
    assert ledger_verify().ok


def test_the_same_idempotency_key_posted_concurrently_moves_money_once() -> None:
    pot = funded(100_000)
    provider = new_account(kind="provider_payable")

    def spend() -> Posting:
        with transaction.atomic():
            return ledger_post(
                kind="spend",
                currency="GBP",
                lines=[(pot.pk, -10_000), (provider.pk, 10_000)],
                idempotency_key="same-request",
            )

    results = run_concurrently([spend] * 8)
    assert all(isinstance(r, Posting) for r in results), results
    assert len({r.transaction_id for r in results}) == 1
    assert sum(1 for r in results if not r.replayed) == 1
    pot.refresh_from_db()
    assert pot.balance == 90_000
