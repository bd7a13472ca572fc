"""An attacker's and auditor's review of provider payouts (docs/payouts.md, "Review"): who
must never be paid, clawbacks after a payout, and who may see what. Each test is named by
the rule it holds."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from enrolments.errors import ClawbackFailed
from enrolments.models import Enrolment
from enrolments.services import cohort_cancel, enrolment_report_problem
from payments.gateway.connect import transfer_from_stripe
from payments.models import ConnectedAccount, Payout
from payments.services.payouts import (
    on_transfer_event,
    payouts_repair,
    payouts_run,
)
from providers.models import Provider
from tests.factories import CohortFactory, FunderMembershipFactory, ProviderMembershipFactory
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


def later() -> dt.datetime:
    return timezone.now() + dt.timedelta(minutes=11)


def second_cohort(world: PayoutWorld) -> None:
    """From now on `world.started()` enrols in a second cohort of the same course."""
    today = timezone.localdate()
    cohort = CohortFactory.create(
        course=world.world.course,
        capacity=20,
        start_date=today,
        end_date=today,
        application_deadline=today,
    )
    world.world = dataclasses.replace(world.world, cohort=cohort)


# --- Nobody is paid who must not be ---------------------------------------------------------


def _suspend(world: PayoutWorld, enrolment: Enrolment) -> None:  # noqa: ARG001
    Provider.objects.filter(pk=world.provider_id).update(status=Provider.Status.SUSPENDED)


def _delist(world: PayoutWorld, enrolment: Enrolment) -> None:  # noqa: ARG001
    Provider.objects.filter(pk=world.provider_id).update(status=Provider.Status.DELISTED)


def _disable(world: PayoutWorld, enrolment: Enrolment) -> None:  # noqa: ARG001
    ConnectedAccount.objects.filter(provider_id=world.provider_id).update(payouts_enabled=False)


def _report(world: PayoutWorld, enrolment: Enrolment) -> None:  # noqa: ARG001
    enrolment_report_problem(
        actor=enrolment.learner, enrolment=enrolment, description="No tutor turned up."
    )


@pytest.mark.parametrize(
    "change",
    [_suspend, _delist, _disable, _report],
    ids=["suspended", "delisted", "payouts_disabled", "problem_report"],
)
def test_repair_never_retries_a_transfer_the_provider_may_no_longer_receive(
    connect: FakeConnectGateway, change: Callable[[PayoutWorld, Enrolment], None]
) -> None:
    """The first call never reached Stripe; before the repair task retries, the provider is
    suspended (or delisted, or Stripe disabled its payouts, or a learner reported a
    problem on a milestone in the payout). The retry would be the first real transfer, so
    the same rules as a new payout apply: no call, the money stays in transit, visible."""
    world = make_payout_world()
    enrolment = world.started()
    world.onboarded()
    connect.timeouts_before_transfer = 1
    payouts_run()
    payout = Payout.objects.get()
    assert connect.transfer_count() == 0
    change(world, enrolment)

    assert payouts_repair(now=later()) == []
    payout.refresh_from_db()
    assert payout.status == "calling"
    assert "not retried" in payout.error
    assert [name for name, _ in connect.calls] == ["create_transfer"]  # no second call
    assert connect.transfer_count() == 0
    assert balances(world) == (0, START, 0)
    assert ledger_verify().ok


def test_repair_still_records_a_transfer_stripe_made_before_the_provider_was_suspended(
    connect: FakeConnectGateway,
) -> None:
    """Holding back applies to new calls only: a transfer Stripe already made is a fact the
    ledger must show, whatever happened to the provider since."""
    world = make_payout_world()
    world.started()
    world.onboarded()
    connect.timeouts_after_transfer = 1
    payouts_run()
    Provider.objects.filter(pk=world.provider_id).update(status=Provider.Status.SUSPENDED)
    payout = Payout.objects.get()
    assert payouts_repair(now=later()) == [payout.pk]
    assert balances(world) == (0, 0, START)
    assert [name for name, _ in connect.calls] == ["create_transfer"]
    assert ledger_verify().ok


def test_a_held_back_retry_goes_ahead_once_the_provider_is_reinstated(
    connect: FakeConnectGateway,
) -> None:
    world = make_payout_world()
    world.started()
    world.onboarded()
    connect.timeouts_before_transfer = 1
    payouts_run()
    Provider.objects.filter(pk=world.provider_id).update(status=Provider.Status.SUSPENDED)
    assert payouts_repair(now=later()) == []
    Provider.objects.filter(pk=world.provider_id).update(status=Provider.Status.APPROVED)
    payout = Payout.objects.get()
    assert payouts_repair(now=later()) == [payout.pk]
    payout.refresh_from_db()
    assert (payout.status, payout.error) == ("paid", "")
    assert connect.transfer_count() == 1
    assert balances(world) == (0, 0, START)
    assert ledger_verify().ok


def test_each_provider_is_paid_its_own_balance_for_its_own_milestones_to_its_own_account(
    connect: FakeConnectGateway,
) -> None:
    mine, theirs = make_payout_world(), make_payout_world()
    my_enrolment = mine.started()
    their_enrolments = [theirs.started(), theirs.started()]
    my_account, their_account = mine.onboarded(), theirs.onboarded()
    payouts_run()
    my_payout = Payout.objects.get(provider_id=mine.provider_id)
    their_payout = Payout.objects.get(provider_id=theirs.provider_id)
    assert (my_payout.amount, their_payout.amount) == (START, 2 * START)
    assert list(my_payout.items.values_list("milestone_payment__enrolment", flat=True)) == [
        my_enrolment.pk
    ]
    assert sorted(their_payout.items.values_list("milestone_payment__enrolment", flat=True)) == [
        e.pk for e in their_enrolments
    ]
    destinations = {t.amount: t.destination for t in connect.transfers.values()}
    assert destinations == {
        START: my_account.stripe_account_id,
        2 * START: their_account.stripe_account_id,
    }
    assert (balances(mine), balances(theirs)) == ((0, 0, START), (0, 0, 2 * START))
    assert ledger_verify().ok


@pytest.mark.parametrize(
    "change",
    [{"amount": 1}, {"currency": "eur"}, {"destination": "acct_someone_else"}],
    ids=["amount", "currency", "destination"],
)
def test_a_transfer_that_does_not_match_its_payout_is_never_recorded_as_paying_it(
    connect: FakeConnectGateway, change: dict[str, object]
) -> None:
    """A transfer naming the payout (metadata, or its transfer group) but moving another
    amount, in another currency or to another account (made by hand on Stripe's dashboard,
    say) does not pay the payout: recording it would make the ledger say the provider was
    paid what Stripe did not move. The payout stays calling with the reason; the repair task
    neither records it nor makes a second transfer beside it; reconciliation lists it."""
    world = make_payout_world()
    world.started()
    world.onboarded()
    connect.timeouts_after_transfer = 1
    payouts_run()
    payout = Payout.objects.get()
    [transfer] = connect.transfers.values()
    odd = {**transfer_object(transfer), **change}
    connect.transfers[transfer.id] = transfer_from_stripe(odd)

    on_transfer_event(odd)
    payout.refresh_from_db()
    assert (payout.status, payout.stripe_transfer_id) == ("calling", None)
    assert "does not match" in payout.error
    assert payouts_repair(now=later()) == []
    payout.refresh_from_db()
    assert payout.status == "calling"
    assert [name for name, _ in connect.calls] == ["create_transfer"]
    assert balances(world) == (0, START, 0)
    assert ledger_verify().ok


# --- Clawbacks --------------------------------------------------------------------------------


def test_a_milestone_clawed_back_before_payout_is_never_listed_as_paid_out(
    connect: FakeConnectGateway,
) -> None:
    """A cancelled cohort takes its milestone payments back from the payable balance. The
    next payout must not list them as covered, and the funder must not see them as paid
    out: their money went back to the holds (the funder's programme and the learner)."""
    world = make_payout_world()
    world.onboarded()
    cancelled = world.started()
    cancelled_cohort = world.world.cohort
    second_cohort(world)
    kept = world.started()
    cohort_cancel(actor=world.world.provider_staff.user, cohort=cancelled_cohort, reason="Gone")
    assert balances(world) == (START, 0, 0)

    payouts_run()
    payout = Payout.objects.get()
    assert payout.amount == START
    covered = list(payout.items.values_list("milestone_payment__enrolment_id", flat=True))
    assert covered == [kept.pk]
    assert cancelled.pk not in covered
    officer = client_for(world.world.officer, mfa=True)
    url = f"/api/v1/funder/programmes/{world.world.programme.pk}/payouts"
    assert [row["paid_out"] for row in officer.get(url).json()] == [START]
    assert ledger_verify().ok


def test_a_cohort_cancelled_after_payout_never_takes_the_payable_balance_below_zero(
    connect: FakeConnectGateway,
) -> None:
    """The milestone has left the platform and nothing else is payable: the clawback is
    refused (409 `clawback_failed`, nothing changes) and waits for platform staff; the
    provider's payable balance never goes negative."""
    world = make_payout_world()
    world.onboarded()
    enrolment = world.started()
    payouts_run()
    assert balances(world) == (0, 0, START)
    with pytest.raises(ClawbackFailed):
        cohort_cancel(
            actor=world.world.provider_staff.user, cohort=world.world.cohort, reason="Gone"
        )
    enrolment.refresh_from_db()
    assert enrolment.status == "started"
    assert balances(world) == (0, 0, START)
    assert ledger_verify().ok


def test_a_clawback_after_payout_is_netted_from_the_next_payout_and_counted_once(
    connect: FakeConnectGateway,
) -> None:
    """Paid out, then clawed back from money earned since: that money repays the clawback
    (the next payout is smaller), and the funder's paid-out figure no longer counts the
    clawed-back milestone (its money returned to the programme)."""
    world = make_payout_world()
    world.onboarded()
    world.started()
    paid_cohort = world.world.cohort
    payouts_run()
    second_cohort(world)
    world.started()
    world.started()
    cohort_cancel(actor=world.world.provider_staff.user, cohort=paid_cohort, reason="Gone")
    assert balances(world) == (START, 0, START)  # 2 × START earned, START clawed back

    payouts_run()
    latest = Payout.objects.latest("pk")
    assert latest.amount == START
    assert balances(world) == (0, 0, 2 * START)
    officer = client_for(world.world.officer, mfa=True)
    url = f"/api/v1/funder/programmes/{world.world.programme.pk}/payouts"
    # Two live milestones' releases; the clawed-back one no longer counts.
    assert [row["paid_out"] for row in officer.get(url).json()] == [2 * START]
    assert ledger_verify().ok


# --- Who may see what -------------------------------------------------------------------------


def test_payout_endpoints_refuse_anonymous_and_sessions_without_a_second_factor(
    connect: FakeConnectGateway,
) -> None:
    world = make_payout_world()
    urls = [
        ("get", f"/api/v1/providers/{world.provider_id}/payouts"),
        ("post", f"/api/v1/providers/{world.provider_id}/payouts/onboarding"),
        ("get", f"/api/v1/funder/programmes/{world.world.programme.pk}/payouts"),
    ]
    for method, url in urls:
        anonymous = getattr(APIClient(), method)(url)
        assert anonymous.status_code in (401, 403)
        assert "code" in anonymous.json()
        for user in (world.admin.user, world.world.officer):
            no_mfa = getattr(client_for(user), method)(url)
            assert no_mfa.status_code in (401, 403), (url, no_mfa.status_code)
    assert not ConnectedAccount.objects.exists()
    assert connect.calls == []


def test_a_funders_auditor_reads_paid_out_totals_and_a_provider_admin_on_both_sides_sees_only_their_own(  # noqa: E501
    connect: FakeConnectGateway,
) -> None:
    """A provider admin who is also an officer of another funder sees their provider's
    payouts, and nothing of a programme that is not their funder's (404)."""
    world = make_payout_world()
    world.started()
    world.onboarded()
    payouts_run()
    programme_url = f"/api/v1/funder/programmes/{world.world.programme.pk}/payouts"
    auditor = FunderMembershipFactory.create(funder=world.world.programme.funder, role="auditor")
    assert [
        r["paid_out"] for r in client_for(auditor.user, mfa=True).get(programme_url).json()
    ] == [START]

    membership = ProviderMembershipFactory.create(role="admin")
    both = membership.user
    FunderMembershipFactory.create(user=both)  # officer of another funder
    client = client_for(both, mfa=True)
    assert client.get(programme_url).status_code == 404
    assert client.get(f"/api/v1/providers/{world.provider_id}/payouts").status_code == 404
    own = client.get(f"/api/v1/providers/{membership.provider_id}/payouts")
    assert own.status_code == 200
    assert own.json()["results"] == []
    assert client.get("/api/v1/providers/999999/payouts").status_code == 404
