"""Officers offer deferral on a programme and fund its own budget; people of other funders
see nothing of it."""

from __future__ import annotations

import pytest

from payments.models import ProgrammeDeferral
from tests.factories import FunderMembershipFactory, make_programme
from tests.helpers import client_for
from tests.payments.helpers import balance
from wallets.models import LedgerAccount, LedgerTransaction
from wallets.verification import ledger_verify

pytestmark = pytest.mark.django_db


def deferral_url(programme_id: int, suffix: str = "") -> str:
    return f"/api/v1/funder/programmes/{programme_id}/deferral{suffix}"


def test_an_officer_offers_deferral_and_funds_its_own_budget() -> None:
    programme = make_programme(currency="USD")
    officer = programme.funder.memberships.get().user
    client = client_for(officer, mfa=True)

    created = client.post(
        deferral_url(programme.pk),
        {"plan": "bootcamp_isa", "max_per_learner": 1_000_000},
        format="json",
    )
    assert created.status_code == 201, created.json()
    assert created.json()["plan"] == "bootcamp_isa"
    assert created.json()["budget_balance"] == 0
    deferral = ProgrammeDeferral.objects.get(programme=programme)
    assert deferral.budget_account.kind == LedgerAccount.Kind.DEFERRAL_BUDGET
    assert deferral.budget_account_id != programme.budget_account_id

    funded = client.post(
        deferral_url(programme.pk, "/fund"),
        {"amount": 2_500_000},
        format="json",
        headers={"Idempotency-Key": "fund-1"},
    )
    assert funded.status_code == 201, funded.json()
    assert funded.json()["budget_balance"] == 2_500_000
    replay = client.post(
        deferral_url(programme.pk, "/fund"),
        {"amount": 2_500_000},
        format="json",
        headers={"Idempotency-Key": "fund-1"},
    )
    assert replay.status_code == 201
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert balance(deferral.budget_account_id) == 2_500_000
    assert (
        LedgerTransaction.objects.filter(kind=LedgerTransaction.Kind.DEFERRAL_FUNDING).count() == 1
    )

    changed = client.post(
        deferral_url(programme.pk),
        {"plan": "bootcamp_isa", "max_per_learner": 800_000, "active": False},
        format="json",
    )
    assert changed.status_code == 200
    assert changed.json()["max_per_learner"] == 800_000
    assert changed.json()["active"] is False
    assert changed.json()["budget_balance"] == 2_500_000
    assert ledger_verify().ok


def test_a_plan_in_another_currency_is_refused() -> None:
    programme = make_programme()  # GBP
    client = client_for(programme.funder.memberships.get().user, mfa=True)
    response = client.post(
        deferral_url(programme.pk), {"plan": "bootcamp_isa", "max_per_learner": 1}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "plan_currency_mismatch"
    unknown = client.post(
        deferral_url(programme.pk), {"plan": "plan_99", "max_per_learner": 1}, format="json"
    )
    assert unknown.json()["code"] == "unknown_plan"
    assert not ProgrammeDeferral.objects.exists()


@pytest.mark.parametrize("amount", [0, -5, 1.5, "100", None, 10**13])
def test_funding_needs_a_positive_whole_amount(amount: object) -> None:
    programme = make_programme()
    officer = programme.funder.memberships.get().user
    client = client_for(officer, mfa=True)
    client.post(deferral_url(programme.pk), {"plan": "plan_2", "max_per_learner": 1}, format="json")
    response = client.post(deferral_url(programme.pk, "/fund"), {"amount": amount}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"


def test_funding_before_deferral_is_offered_is_a_404() -> None:
    programme = make_programme()
    client = client_for(programme.funder.memberships.get().user, mfa=True)
    response = client.post(deferral_url(programme.pk, "/fund"), {"amount": 100}, format="json")
    assert response.status_code == 404


def test_auditors_read_but_do_not_configure_and_other_funders_see_nothing() -> None:
    programme = make_programme()
    officer = programme.funder.memberships.get().user
    client_for(officer, mfa=True).post(
        deferral_url(programme.pk), {"plan": "plan_2", "max_per_learner": 500_000}, format="json"
    )
    auditor = FunderMembershipFactory.create(funder=programme.funder, role="auditor").user
    auditor_client = client_for(auditor, mfa=True)
    assert auditor_client.get(deferral_url(programme.pk)).status_code == 200
    refused = auditor_client.post(
        deferral_url(programme.pk), {"plan": "plan_2", "max_per_learner": 1}, format="json"
    )
    assert refused.status_code == 403
    assert (
        auditor_client.post(
            deferral_url(programme.pk, "/fund"), {"amount": 100}, format="json"
        ).status_code
        == 403
    )

    stranger = client_for(FunderMembershipFactory.create().user, mfa=True)
    assert stranger.get(deferral_url(programme.pk)).status_code == 404
    assert (
        stranger.post(
            deferral_url(programme.pk, "/fund"), {"amount": 100}, format="json"
        ).status_code
        == 404
    )
    assert (
        stranger.get(f"/api/v1/funder/programmes/{programme.pk}/repayment-agreements").status_code
        == 404
    )
