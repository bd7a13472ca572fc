"""Every Stripe Connect call of onboarding, the daily run and the repair task is made with no
database transaction open (so under no lock), and keyed by our own record: a real
transaction-per-test database, so `in_atomic_block` tells the truth."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from payments.models import ConnectedAccount, Payout
from payments.services.payouts import payouts_repair, payouts_run
from tests.helpers import client_for
from tests.payments.payouts_helpers import FakeConnectGateway, connect, make_payout_world
from wallets.verification import ledger_verify

pytestmark = pytest.mark.django_db(transaction=True)
__all__ = ["connect"]  # the fixture


def test_no_stripe_call_is_made_inside_a_database_transaction(
    connect: FakeConnectGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[tuple[str, bool]] = []

    def watched(name: str, call: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(**kwargs: Any) -> Any:
            seen.append((name, connection.in_atomic_block))
            return call(**kwargs)

        return wrapper

    for name in ("create_account", "create_account_link", "create_transfer", "list_transfers"):
        monkeypatch.setattr(connect, name, watched(name, getattr(connect, name)))

    world = make_payout_world()
    world.started()
    response = client_for(world.admin.user, mfa=True).post(
        f"/api/v1/providers/{world.provider_id}/payouts/onboarding"
    )
    assert response.status_code == 201
    ConnectedAccount.objects.update(payouts_enabled=True)
    connect.timeouts_before_transfer = 1
    payouts_run()  # times out
    payout = Payout.objects.get()
    assert payouts_repair(now=timezone.now() + dt.timedelta(minutes=11)) == [payout.pk]

    assert [name for name, _ in seen] == [
        "create_account",
        "create_account_link",
        "create_transfer",
        "list_transfers",
        "create_transfer",
    ]
    assert [name for name, in_transaction in seen if in_transaction] == []
    account = ConnectedAccount.objects.get()
    assert [key for _, call in connect.calls for key in [call["key"]]] == [
        f"skills-wallet:account:{account.pk}:1",
        f"skills-wallet:account_link:{account.pk}:1",
        f"skills-wallet:payout:{payout.pk}:1",
        f"skills-wallet:payout:{payout.pk}:1",
    ]
    assert ledger_verify().ok
