"""Helpers for bulk grant import tests: many learners, a CSV of them, the money picture."""

from __future__ import annotations

import io

from users.models import User
from wallets.models import FundingProgramme, Grant, LedgerAccount, LedgerEntry


def make_learners(count: int, prefix: str = "learner") -> list[User]:
    return User.objects.bulk_create(
        [User(email=f"{prefix}{i}@example.org", password="!") for i in range(count)]
    )


def csv_of(learners: list[User], amount: int | None = None) -> io.BytesIO:
    lines = ["email,amount"] + [f"{u.email},{amount if amount else ''}" for u in learners]
    return io.BytesIO(("\n".join(lines) + "\n").encode())


def budget_balance(programme: FundingProgramme) -> int:
    return LedgerAccount.objects.get(pk=programme.budget_account_id).balance


def assert_credited_once(programme: FundingProgramme, learners: list[User], amount: int) -> None:
    """Every learner has exactly one grant and one pot holding `amount`, credited once."""
    grants = Grant.objects.filter(programme=programme, learner__in=learners)
    assert grants.count() == len(learners)
    assert grants.values("learner").distinct().count() == len(learners)
    for grant in grants.select_related("pot__account"):
        assert grant.amount == amount
        assert grant.pot.account.balance == amount
        assert grant.pot.account.entry_count == 1
    credits = LedgerEntry.objects.filter(
        account__pot__programme=programme, account__pot__wallet__learner__in=learners, amount__gt=0
    )
    assert credits.count() == len(learners)
