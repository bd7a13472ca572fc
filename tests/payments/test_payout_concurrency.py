"""Payouts under real concurrency: two daily runs at once make one payout and one transfer;
the repair task and Stripe's event recording the same transfer at once record it once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from payments.models import Payout
from payments.services.payouts import (
    on_transfer_event,
    paid_out_account,
    payouts_repair,
    payouts_run,
)
from tests.concurrency import run_concurrently
from tests.payments.payouts_helpers import (
    FakeConnectGateway,
    connect,
    make_payout_world,
    transfer_object,
)
from wallets.models import LedgerTransaction
from wallets.verification import ledger_verify

pytestmark = pytest.mark.django_db(transaction=True)
__all__ = ["connect"]  # the fixture


def test_two_daily_runs_at_once_pay_once(connect: FakeConnectGateway) -> None:
    world = make_payout_world()
    world.started()
    world.onboarded()
    results = run_concurrently([payouts_run, payouts_run])
    assert not [r for r in results if isinstance(r, BaseException)], results
    assert Payout.objects.count() == 1
    assert connect.transfer_count() == 1
    assert paid_out_account(world.provider_id, "GBP").balance == 180_000
    assert ledger_verify().ok


def test_the_repair_and_the_event_recording_one_transfer_at_once_record_it_once(
    connect: FakeConnectGateway,
) -> None:
    world = make_payout_world()
    world.started()
    world.onboarded()
    connect.timeouts_after_transfer = 1
    payouts_run()
    event = transfer_object(connect.transfers["tr_1"])
    later = timezone.now() + dt.timedelta(minutes=11)
    results = run_concurrently(
        [lambda: payouts_repair(now=later), lambda: on_transfer_event(event)]
    )
    assert not [r for r in results if isinstance(r, BaseException)], results
    assert Payout.objects.get().status == "paid"
    assert LedgerTransaction.objects.filter(kind="payout_paid").count() == 1
    assert paid_out_account(world.provider_id, "GBP").balance == 180_000
    assert connect.transfer_count() == 1
    assert ledger_verify().ok
