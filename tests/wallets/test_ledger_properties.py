"""Property: any sequence of grants, spends, reversals and expiries keeps the books straight."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.errors import DomainError
from tests.factories import ProviderFactory, UserFactory, make_programme
from tests.wallets.ledger_helpers import new_account
from wallets.ledger import transaction_reverse
from wallets.models import LedgerAccount, LedgerTransaction
from wallets.services import (
    SpendTarget,
    grant_create,
    pots_expire_due,
    programme_approve_provider,
    wallet_get_or_create,
    wallet_spend,
)
from wallets.verification import ledger_verify

operation = st.one_of(
    st.tuples(st.just("grant"), st.integers(0, 4), st.integers(1, 400_000)),
    st.tuples(st.just("spend"), st.integers(0, 4), st.integers(1, 500_000)),
    st.tuples(st.just("reverse"), st.integers(0, 50), st.just(0)),
    st.tuples(st.just("expire"), st.integers(0, 400), st.just(0)),
)


def _assert_books_balance() -> None:
    balances = list(LedgerAccount.objects.values_list("balance", "allow_negative"))
    assert sum(balance for balance, _ in balances) == 0
    assert all(balance >= 0 for balance, allow_negative in balances if not allow_negative)


# Real commits (services open durable transactions); rows pile up across examples, which
# only makes the global invariants harder to keep.
@pytest.mark.django_db(transaction=True)
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(operations=st.lists(operation, min_size=1, max_size=25))
def test_any_sequence_of_operations_keeps_the_ledger_balanced(
    operations: list[tuple[str, int, int]],
) -> None:
    programme = make_programme(budget=1_000_000, allowance=400_000, funds_expiry_months=6)
    officer = programme.funder.memberships.get().user
    provider = ProviderFactory.create()
    programme_approve_provider(actor=officer, programme=programme, provider=provider)
    learners = UserFactory.create_batch(5)
    payable = new_account(kind="provider_payable")
    target = SpendTarget(provider_id=provider.pk, level=3, skills=[])
    clock = dt.datetime(2026, 11, 23, 12, tzinfo=dt.UTC)
    with time_machine.travel(clock, tick=False) as traveller:
        for kind, who, amount in operations:
            try:
                if kind == "grant":
                    grant_create(
                        actor=officer,
                        programme=programme,
                        learner=learners[who],
                        amount=amount,
                    )
                elif kind == "spend":
                    wallet = wallet_get_or_create(learner=learners[who])
                    wallet_spend(
                        actor=learners[who],
                        wallet=wallet,
                        amount=amount,
                        currency="GBP",
                        target=target,
                        destination=payable,
                    )
                elif kind == "reverse":
                    candidates = list(
                        LedgerTransaction.objects.filter(kind="spend", reversed_by__isnull=True)
                        .order_by("pk")
                        .values_list("pk", flat=True)
                    )
                    if candidates:
                        transaction_reverse(
                            actor_id=officer.pk,
                            transaction_id=candidates[who % len(candidates)],
                        )
                else:
                    traveller.shift(dt.timedelta(days=amount or who))
                    pots_expire_due()
            except DomainError:
                pass  # a refusal (no funds, budget spent, already granted) changes nothing
            _assert_books_balance()
    assert ledger_verify().ok
