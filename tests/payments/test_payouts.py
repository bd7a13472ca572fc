"""Provider payouts: onboarding, the daily run, the ledger states, timeouts and reversals.

Stripe Connect runs against a recording fake with the gateway's interface (localstripe has
no Connect); tests/payments/test_connect_gateway.py checks the real gateway's requests."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import override_settings
from django.utils import timezone

from enrolments.services import enrolment_report_problem
from payments.gateway.connect import ConnectAccount, GatewayTimeout
from payments.models import ConnectedAccount, Payout, PayoutItem
from payments.services.payouts import (
    on_account_updated,
    on_transfer_event,
    payout_call,
    payouts_repair,
    payouts_run,
)
from providers.models import Provider
from tests.factories import ProviderMembershipFactory
from tests.helpers import client_for
from tests.payments.payouts_helpers import (
    START,
    FakeConnectGateway,
    PayoutWorld,
    balances,
    connect,
    make_payout_world,
    transfer_object,
)
from wallets.verification import ledger_verify

pytestmark = pytest.mark.django_db
__all__ = ["connect"]  # the fixture

# --- Onboarding ----------------------------------------------------------------------------


def test_onboarding_is_for_the_providers_admins_only(connect: FakeConnectGateway) -> None:
    world = make_payout_world()
    url = f"/api/v1/providers/{world.provider_id}/payouts/onboarding"
    other_admin = ProviderMembershipFactory.create(role="admin").user
    assert client_for(other_admin, mfa=True).post(url).status_code == 404
    response = client_for(world.world.provider_staff.user, mfa=True).post(url)
    assert response.status_code == 403
    assert response.json()["code"] == "provider_admin_required"
    assert not ConnectedAccount.objects.exists()
    assert connect.calls == []


def test_a_provider_admin_gets_one_account_and_a_fresh_link_each_time(
    connect: FakeConnectGateway,
) -> None:
    world = make_payout_world()
    client = client_for(world.admin.user, mfa=True)
    url = f"/api/v1/providers/{world.provider_id}/payouts/onboarding"
    first, second = client.post(url), client.post(url)
    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json()["stripe_account_id"] == second.json()["stripe_account_id"] == "acct_1"
    assert first.json()["url"] != second.json()["url"]
    assert first.json()["payouts_enabled"] is False
    account = ConnectedAccount.objects.get(provider_id=world.provider_id)
    assert [name for name, _ in connect.calls] == [
        "create_account",
        "create_account_link",
        "create_account_link",
    ]
    keys = [call["key"] for _, call in connect.calls]
    assert keys == [
        f"skills-wallet:account:{account.pk}:1",
        f"skills-wallet:account_link:{account.pk}:1",
        f"skills-wallet:account_link:{account.pk}:2",
    ]


def test_stripe_not_answering_onboarding_is_a_503_and_the_retry_creates_one_account(
    connect: FakeConnectGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = make_payout_world()
    client = client_for(world.admin.user, mfa=True)
    url = f"/api/v1/providers/{world.provider_id}/payouts/onboarding"
    create = connect.create_account

    def created_then_lost(**kwargs: Any) -> ConnectAccount:
        create(**kwargs)  # Stripe created the account; its answer never arrived
        raise GatewayTimeout("Read timed out")

    monkeypatch.setattr(connect, "create_account", created_then_lost)
    response = client.post(url)
    assert response.status_code == 503
    assert response.json()["code"] == "stripe_unavailable"
    assert ConnectedAccount.objects.get().stripe_account_id is None
    monkeypatch.setattr(connect, "create_account", create)
    assert client.post(url).json()["stripe_account_id"] == "acct_1"
    account = ConnectedAccount.objects.get()
    creates = [call["key"] for name, call in connect.calls if name == "create_account"]
    # The same key both times: one account on Stripe.
    assert creates == [f"skills-wallet:account:{account.pk}:1"] * 2
    assert list(connect.accounts) == ["acct_1"]


def test_account_updated_turns_payouts_on_and_off(connect: FakeConnectGateway) -> None:
    world = make_payout_world()
    account = world.onboarded(payouts_enabled=False)
    event = {"id": account.stripe_account_id, "object": "account", "details_submitted": True}
    assert on_account_updated({**event, "payouts_enabled": True}) is True
    account.refresh_from_db()
    assert (account.payouts_enabled, account.details_submitted) == (True, True)
    on_account_updated({**event, "payouts_enabled": False})
    account.refresh_from_db()
    assert account.payouts_enabled is False
    assert on_account_updated({"id": "acct_not_ours", "payouts_enabled": True}) is False


# --- The daily run: refusals first ----------------------------------------------------------


def _assert_nothing_paid(world: PayoutWorld, connect: FakeConnectGateway, payable: int) -> None:
    assert not Payout.objects.exists()
    assert connect.calls == []
    assert balances(world) == (payable, 0, 0)
    assert ledger_verify().ok


def test_no_payout_below_the_minimum(connect: FakeConnectGateway) -> None:
    world = make_payout_world()
    world.started()
    world.onboarded()
    with override_settings(PAYOUT_MINIMUM_MINOR=START + 1):
        result = payouts_run()
    assert result.skipped == {f"{world.provider_id}:GBP": "below_minimum"}
    _assert_nothing_paid(world, connect, START)


def test_no_payout_while_the_provider_is_suspended(connect: FakeConnectGateway) -> None:
    world = make_payout_world()
    world.started()
    world.onboarded()
    Provider.objects.filter(pk=world.provider_id).update(status=Provider.Status.SUSPENDED)
    assert payouts_run().skipped == {f"{world.provider_id}:GBP": "provider_suspended"}
    _assert_nothing_paid(world, connect, START)


def test_no_payout_with_a_problem_report_on_a_milestone_in_the_batch(
    connect: FakeConnectGateway,
) -> None:
    world = make_payout_world()
    world.started()
    troubled = world.started()
    world.onboarded()
    enrolment_report_problem(
        actor=troubled.learner, enrolment=troubled, description="No tutor turned up."
    )
    assert payouts_run().skipped == {f"{world.provider_id}:GBP": "open_problem_report"}
    _assert_nothing_paid(world, connect, 2 * START)


def test_no_payout_before_stripe_enables_payouts(connect: FakeConnectGateway) -> None:
    world = make_payout_world()
    world.started()
    assert payouts_run().skipped == {f"{world.provider_id}:GBP": "not_onboarded"}
    world.onboarded(payouts_enabled=False)
    assert payouts_run().skipped == {f"{world.provider_id}:GBP": "payouts_not_enabled"}
    _assert_nothing_paid(world, connect, START)


# --- The daily run: paying ------------------------------------------------------------------


def test_the_payable_balance_is_paid_in_one_transfer_covering_its_milestones(
    connect: FakeConnectGateway,
) -> None:
    world = make_payout_world()
    first, second = world.started(), world.started()
    account = world.onboarded()
    result = payouts_run()
    payout = Payout.objects.get()
    assert result.paid == [payout.pk]
    assert (payout.amount, payout.status, payout.stripe_transfer_id) == (2 * START, "paid", "tr_1")
    assert sorted(payout.items.values_list("milestone_payment__enrolment_id", flat=True)) == [
        first.pk,
        second.pk,
    ]
    [(name, call)] = connect.calls
    assert (name, call) == (
        "create_transfer",
        {"amount": 2 * START, "key": f"skills-wallet:payout:{payout.pk}:1"},
    )
    transfer = connect.transfers["tr_1"]
    assert (transfer.destination, transfer.transfer_group) == (
        account.stripe_account_id,
        f"payout-{payout.pk}",
    )
    assert balances(world) == (0, 0, 2 * START)
    assert ledger_verify().ok

    # The next day: nothing new to pay; a new milestone is paid alone.
    assert payouts_run().paid == []
    third = world.started()
    payouts_run()
    latest = Payout.objects.latest("pk")
    assert latest.amount == START
    assert list(latest.items.values_list("milestone_payment__enrolment_id", flat=True)) == [
        third.pk
    ]
    assert balances(world) == (0, 0, 3 * START)
    assert ledger_verify().ok


def test_a_timeout_after_the_transfer_then_a_retry_pays_once(
    connect: FakeConnectGateway,
) -> None:
    world = make_payout_world()
    world.started()
    world.onboarded()
    connect.timeouts_after_transfer = 1  # Stripe made the transfer; the answer was lost
    result = payouts_run()
    payout = Payout.objects.get()
    assert result.calling == [payout.pk]
    assert payout.status == "calling"
    assert balances(world) == (0, START, 0)  # in transit while we do not know
    assert ledger_verify().ok

    # Another milestone meanwhile: no second payout while this one is calling.
    world.started()
    assert payouts_run().skipped == {f"{world.provider_id}:GBP": "payout_in_progress"}

    retried = payout_call(payout_id=payout.pk)  # the same idempotency key
    assert retried.status == "paid"
    assert connect.transfer_count() == 1
    assert [c["key"] for _, c in connect.calls] == [f"skills-wallet:payout:{payout.pk}:1"] * 2
    assert balances(world) == (START, 0, START)
    assert payout_call(payout_id=payout.pk).status == "paid"  # recorded: no third call
    assert len(connect.calls) == 2
    assert ledger_verify().ok


def test_the_repair_task_finds_a_transfer_made_before_a_timeout(
    connect: FakeConnectGateway,
) -> None:
    world = make_payout_world()
    world.started()
    world.onboarded()
    connect.timeouts_after_transfer = 1
    payouts_run()
    payout = Payout.objects.get()
    assert payouts_repair() == []  # too recent: the call may still be answering
    later = timezone.now() + dt.timedelta(minutes=11)
    assert payouts_repair(now=later) == [payout.pk]
    payout.refresh_from_db()
    assert (payout.status, payout.stripe_transfer_id) == ("paid", "tr_1")
    # Found by its transfer group: no second create call.
    assert [name for name, _ in connect.calls] == ["create_transfer"]
    assert balances(world) == (0, 0, START)
    assert ledger_verify().ok


def test_the_repair_task_retries_a_call_that_never_reached_stripe(
    connect: FakeConnectGateway,
) -> None:
    world = make_payout_world()
    world.started()
    world.onboarded()
    connect.timeouts_before_transfer = 1
    payouts_run()
    payout = Payout.objects.get()
    assert connect.transfer_count() == 0
    assert payouts_repair(now=timezone.now() + dt.timedelta(minutes=11)) == [payout.pk]
    assert connect.transfer_count() == 1
    assert balances(world) == (0, 0, START)
    assert ledger_verify().ok


def test_a_refused_transfer_returns_to_payable_and_the_next_run_pays_the_same_milestones(
    connect: FakeConnectGateway,
) -> None:
    world = make_payout_world()
    enrolment = world.started()
    world.onboarded()
    connect.refuse_transfers = "Insufficient funds in the platform balance"
    assert len(payouts_run().failed) == 1
    failed = Payout.objects.get()
    assert (failed.status, failed.amount_returned) == ("failed", START)
    assert "Insufficient funds" in failed.error
    assert balances(world) == (START, 0, 0)
    assert ledger_verify().ok

    connect.refuse_transfers = ""
    payouts_run()
    paid = Payout.objects.get(status="paid")
    assert paid.items.get().milestone_payment.enrolment_id == enrolment.pk
    assert PayoutItem.objects.filter(returned=True).count() == 1
    assert balances(world) == (0, 0, START)
    assert ledger_verify().ok


def test_a_reversed_transfer_returns_the_money_to_payable_once(
    connect: FakeConnectGateway,
) -> None:
    world = make_payout_world()
    world.started()
    world.onboarded()
    payouts_run()
    payout = Payout.objects.get()
    event = connect.reverse("tr_1")
    for _ in range(3):  # the same event delivered three times
        on_transfer_event(event)
    payout.refresh_from_db()
    assert (payout.status, payout.amount_returned) == ("reversed", START)
    assert balances(world) == (START, 0, 0)
    assert not PayoutItem.objects.filter(returned=False).exists()
    assert ledger_verify().ok
    # The next run pays the milestone again.
    payouts_run()
    assert balances(world) == (0, 0, START)
    assert ledger_verify().ok


def test_a_partial_reversal_returns_only_what_was_reversed(connect: FakeConnectGateway) -> None:
    world = make_payout_world()
    world.started()
    world.onboarded()
    payouts_run()
    on_transfer_event(connect.reverse("tr_1", 50_000))
    on_transfer_event(transfer_object(connect.transfers["tr_1"]))  # a later duplicate
    assert balances(world) == (50_000, 0, START - 50_000)
    on_transfer_event(connect.reverse("tr_1", START - 50_000))
    assert Payout.objects.get().status == "reversed"
    assert balances(world) == (START, 0, 0)
    assert ledger_verify().ok


def test_a_transfer_event_before_our_record_confirms_the_calling_payout(
    connect: FakeConnectGateway,
) -> None:
    world = make_payout_world()
    world.started()
    world.onboarded()
    connect.timeouts_after_transfer = 1
    payouts_run()
    on_transfer_event(transfer_object(connect.transfers["tr_1"]))  # transfer.created
    assert Payout.objects.get().status == "paid"
    assert balances(world) == (0, 0, START)
    assert (
        on_transfer_event(
            {**transfer_object(connect.transfers["tr_1"]), "id": "tr_x", "metadata": {}}
        )
        is None
    )
    assert ledger_verify().ok
