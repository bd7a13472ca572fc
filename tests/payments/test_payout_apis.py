"""Providers list their payouts with the milestones each covers; funders see what was paid
out per provider from their programme's money. Each only within their memberships."""

from __future__ import annotations

import pytest

from payments.services.payouts import on_transfer_event, payouts_run
from tests.factories import ProviderMembershipFactory, make_programme
from tests.helpers import client_for
from tests.payments.payouts_helpers import FakeConnectGateway, connect, make_payout_world
from wallets.verification import ledger_verify

pytestmark = pytest.mark.django_db
__all__ = ["connect"]  # the fixture


def test_payouts_are_listed_for_the_providers_own_people_only(
    connect: FakeConnectGateway,
) -> None:
    world = make_payout_world()
    url = f"/api/v1/providers/{world.provider_id}/payouts"
    outsider = client_for(ProviderMembershipFactory.create().user, mfa=True)
    assert outsider.get(url).status_code == 404
    officer = client_for(world.world.officer, mfa=True)
    assert officer.get(url).status_code in (403, 404)


def test_a_provider_sees_each_payout_and_the_milestones_it_covers(
    connect: FakeConnectGateway,
) -> None:
    world = make_payout_world()
    enrolment = world.started()
    world.onboarded()
    payouts_run()
    body = (
        client_for(world.world.provider_staff.user, mfa=True)
        .get(f"/api/v1/providers/{world.provider_id}/payouts")
        .json()
    )
    assert body["payouts_enabled"] is True
    [payout] = body["results"]
    assert (payout["amount"], payout["currency"], payout["status"]) == (180_000, "GBP", "paid")
    assert payout["stripe_transfer_id"] == "tr_1"
    [milestone] = payout["milestones"]
    assert milestone["enrolment_id"] == enrolment.pk
    assert (milestone["milestone"], milestone["amount"]) == ("start", 180_000)
    assert milestone["course_title"] == "Data Analyst Bootcamp"
    assert milestone["learner_name"] == enrolment.learner.get_full_name()
    assert body["next"] is None


def test_funders_see_paid_out_totals_per_provider_on_their_programme(
    connect: FakeConnectGateway,
) -> None:
    world = make_payout_world()
    world.started()
    world.started()
    world.onboarded()
    officer = client_for(world.world.officer, mfa=True)
    url = f"/api/v1/funder/programmes/{world.world.programme.pk}/payouts"
    assert officer.get(url).json() == []  # released, not yet paid out
    payouts_run()
    assert officer.get(url).json() == [
        {
            "provider_id": world.provider_id,
            "provider_name": world.world.course.provider.display_name,
            "currency": "GBP",
            "paid_out": 360_000,
        }
    ]
    # A reversed payout is no longer paid out.
    on_transfer_event(connect.reverse("tr_1"))
    assert officer.get(url).json() == []
    assert ledger_verify().ok

    other = make_programme(budget=1_000_000, allowance=100_000, name="Elsewhere")
    other_officer = client_for(other.funder.memberships.get().user, mfa=True)
    assert other_officer.get(url).status_code == 404
