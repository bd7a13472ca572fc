"""Reconciliation lists every difference between our records and Stripe's; the command
prints them and the daily task stores them for staff."""

from __future__ import annotations

import dataclasses
import datetime as dt
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from payments.gateway.connect import Transfer
from payments.models import Payout, ReconciliationRun
from payments.reconciliation import Difference, Record, reconcile, register_source
from payments.services.payouts import payouts_run
from payments.tasks import reconcile_stripe
from tests.payments.payouts_helpers import FakeConnectGateway, connect, make_payout_world
from wallets.verification import ledger_verify

pytestmark = pytest.mark.django_db
__all__ = ["connect"]  # the fixture


def _paid_payouts(connect: FakeConnectGateway, count: int) -> list[Payout]:
    payouts = []
    for _ in range(count):
        world = make_payout_world()
        world.started()
        world.onboarded()
        payouts_run()
        payouts.append(Payout.objects.get(provider_id=world.provider_id))
    assert ledger_verify().ok
    return payouts


def _craft_differences(connect: FakeConnectGateway, payouts: list[Payout]) -> None:
    """On "Stripe": a transfer we have no record of, and one whose amount is not ours."""
    connect.transfers["tr_stranger"] = Transfer(
        id="tr_stranger",
        amount=5_000,
        currency="GBP",
        destination="acct_x",
        transfer_group="",
        amount_reversed=0,
        reversed=False,
        created=timezone.now(),
    )
    changed = payouts[1].stripe_transfer_id or ""
    connect.transfers[changed] = dataclasses.replace(connect.transfers[changed], amount=170_000)


def test_nothing_is_listed_when_the_records_agree(connect: FakeConnectGateway) -> None:
    _paid_payouts(connect, 2)
    assert reconcile(timezone.now() - dt.timedelta(days=1)) == []


def test_a_crafted_difference_is_listed(connect: FakeConnectGateway) -> None:
    payouts = _paid_payouts(connect, 2)
    _craft_differences(connect, payouts)
    differences = [
        d for d in reconcile(timezone.now() - dt.timedelta(days=1)) if d.kind == "transfer"
    ]
    assert [(d.key, d.problem) for d in differences] == [
        (f"payout:{payouts[1].pk}", "amount_mismatch"),
        ("stripe:tr_stranger", "missing_ours"),
    ]
    mismatch, stranger = differences
    assert (mismatch.ours and mismatch.ours.amount, mismatch.theirs and mismatch.theirs.amount) == (
        180_000,
        170_000,
    )
    assert stranger.ours is None
    assert stranger.theirs
    assert stranger.theirs.amount == 5_000


def test_missing_on_stripe_and_status_mismatch(connect: FakeConnectGateway) -> None:
    payouts = _paid_payouts(connect, 2)
    gone = payouts[0].stripe_transfer_id or ""
    del connect.transfers[gone]
    connect.reverse(payouts[1].stripe_transfer_id or "")  # we missed the event
    differences = reconcile(timezone.now() - dt.timedelta(days=1))
    assert [(d.key, d.problem) for d in differences] == [
        (f"payout:{payouts[0].pk}", "missing_stripe"),
        (f"payout:{payouts[1].pk}", "status_mismatch"),
    ]
    assert differences[1].ours
    assert differences[1].ours.status == "paid"
    assert differences[1].theirs
    assert differences[1].theirs.status == "reversed"


def test_the_command_prints_every_difference(connect: FakeConnectGateway) -> None:
    payouts = _paid_payouts(connect, 2)
    _craft_differences(connect, payouts)
    out = StringIO()
    with pytest.raises(SystemExit) as exited:
        call_command("stripe_reconcile", since=timezone.localdate().isoformat(), stdout=out)
    assert exited.value.code == 1
    lines = out.getvalue().splitlines()
    assert lines == [
        f"transfer payout:{payouts[1].pk}: Amounts differ: ours 180000, Stripe 170000: "
        f"{payouts[1].stripe_transfer_id}",
        "transfer stripe:tr_stranger: On Stripe, not in our records: 5000 GBP paid: tr_stranger",
        f"2 difference(s) since {timezone.localdate().isoformat()}.",
    ]


def test_the_command_says_when_there_is_no_difference(connect: FakeConnectGateway) -> None:
    _paid_payouts(connect, 1)
    out = StringIO()
    call_command("stripe_reconcile", since=timezone.localdate().isoformat(), stdout=out)
    assert out.getvalue().strip() == f"No differences since {timezone.localdate().isoformat()}."


def test_the_command_refuses_a_bad_date() -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("stripe_reconcile", since="01/12/2026")


def test_the_daily_task_stores_the_differences_for_staff(connect: FakeConnectGateway) -> None:
    payouts = _paid_payouts(connect, 2)
    _craft_differences(connect, payouts)
    assert reconcile_stripe() == 2
    run = ReconciliationRun.objects.get()
    assert run.finished_at is not None
    assert run.since <= timezone.now() - dt.timedelta(days=settings.STRIPE_RECONCILE_DAYS)
    assert sorted(run.differences.values_list("problem", "our_amount", "their_amount")) == [
        ("amount_mismatch", 180_000, 170_000),
        ("missing_ours", None, 5_000),
    ]
    assert "payments.reconcile_stripe" in {
        entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()
    }


def test_other_sources_plug_in_through_the_registry(connect: FakeConnectGateway) -> None:
    class CardPayments:
        kind = "zz_test_card_payment"

        def ours(self, since: dt.datetime) -> list[Record]:
            return [Record(self.kind, "pi:1", "pi_1", 500, "GBP", "succeeded")]

        def theirs(self, since: dt.datetime) -> list[Record]:
            return [Record(self.kind, "pi:1", "pi_1", 500, "GBP", "canceled")]

    from payments import reconciliation

    register_source(CardPayments())
    try:
        assert reconcile(timezone.now()) == [
            Difference(
                "zz_test_card_payment",
                "pi:1",
                "status_mismatch",
                Record("zz_test_card_payment", "pi:1", "pi_1", 500, "GBP", "succeeded"),
                Record("zz_test_card_payment", "pi:1", "pi_1", 500, "GBP", "canceled"),
            )
        ]
    finally:
        del reconciliation._SOURCES["zz_test_card_payment"]
