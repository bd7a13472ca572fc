"""Helpers for ledger tests: accounts and a funded source."""

from __future__ import annotations

import itertools

from wallets.ledger import account_create, ledger_post
from wallets.models import LedgerAccount

_counter = itertools.count(1)


def new_account(
    *, kind: str = "wallet_pot", currency: str = "GBP", allow_negative: bool = False
) -> LedgerAccount:
    n = next(_counter)
    return account_create(
        key=f"test:{kind}:{n}:{id(object())}",
        kind=kind,
        name=f"Test {kind} {n}",
        currency=currency,
        allow_negative=allow_negative,
    )


def external(currency: str = "GBP") -> LedgerAccount:
    return new_account(kind="funder_external", currency=currency, allow_negative=True)


def funded(amount: int, currency: str = "GBP", kind: str = "wallet_pot") -> LedgerAccount:
    account = new_account(kind=kind, currency=currency)
    ledger_post(
        kind="transfer", currency=currency, lines=[(external(currency), -amount), (account, amount)]
    )
    account.refresh_from_db()
    return account
