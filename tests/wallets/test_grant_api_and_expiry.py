"""Granting one learner and refusing an application over HTTP; pots expiring through the
scheduled task, end to end."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from rest_framework.test import APIClient

from tests.factories import FunderMembershipFactory, UserFactory, make_programme
from tests.helpers import client_for
from wallets.models import FundingProgramme, Grant, LedgerAccount, ProgrammeApplication, WalletPot
from wallets.services import grant_create
from wallets.tasks import expire_pots
from wallets.verification import ledger_verify

pytestmark = pytest.mark.django_db


@pytest.fixture
def programme() -> FundingProgramme:
    return make_programme(budget=1_000_000, allowance=300_000, funds_expiry_months=6)


@pytest.fixture
def officer(programme: FundingProgramme) -> APIClient:
    return client_for(programme.funder.memberships.get().user, mfa=True)


def budget(programme: FundingProgramme) -> int:
    return LedgerAccount.objects.get(pk=programme.budget_account_id).balance


# --- One grant over HTTP -----------------------------------------------------------------------


def test_an_officer_grants_one_learner_the_allowance_or_less(
    programme: FundingProgramme, officer: APIClient
) -> None:
    ada, bob = UserFactory.create(email="ada@example.org"), UserFactory.create()
    url = f"/api/v1/funder/programmes/{programme.pk}/grants"
    response = officer.post(url, {"learner_email": "ADA@example.org"}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["learner_email"], body["amount"], body["currency"]) == (
        "ada@example.org",
        300_000,
        "GBP",
    )
    pot = WalletPot.objects.get(pk=body["pot_id"])
    assert pot.wallet.learner == ada
    assert LedgerAccount.objects.get(pk=pot.account_id).balance == 300_000
    assert body["expires_at"] is not None

    response = officer.post(url, {"learner_email": bob.email, "amount": 120_000}, format="json")
    assert response.status_code == 201
    assert response.json()["amount"] == 120_000
    assert budget(programme) == 1_000_000 - 420_000

    listed = officer.get(url).json()["results"]
    assert [g["learner_email"] for g in listed] == [bob.email, "ada@example.org"]
    assert client_for(ada).get("/api/v1/wallet").json()["totals"] == {"GBP": 300_000}


def test_a_single_grant_is_refused_with_the_reason_and_changes_nothing(
    programme: FundingProgramme, officer: APIClient
) -> None:
    learner = UserFactory.create()
    grant_create(
        actor=programme.funder.memberships.get().user, programme=programme, learner=learner
    )
    url = f"/api/v1/funder/programmes/{programme.pk}/grants"
    other = UserFactory.create()
    for body, status, code in (
        ({"learner_email": "nobody@example.org"}, 400, "invalid"),
        ({"learner_email": "not an email"}, 400, "invalid"),
        ({"learner_email": other.email, "amount": 300_001}, 400, "invalid"),
        ({"learner_email": other.email, "amount": 0}, 400, "invalid"),
        ({"learner_email": learner.email}, 409, "already_granted"),
    ):
        response = officer.post(url, body, format="json")
        assert response.status_code == status, (body, response.json())
        assert response.json()["code"] == code
    assert Grant.objects.count() == 1
    assert budget(programme) == 700_000

    auditor = client_for(
        FunderMembershipFactory.create(funder=programme.funder, role="auditor").user, mfa=True
    )
    response = auditor.post(url, {"learner_email": other.email}, format="json")
    assert response.status_code == 403
    outsider = client_for(FunderMembershipFactory.create().user, mfa=True)
    response = outsider.post(url, {"learner_email": other.email}, format="json")
    assert response.status_code == 404
    assert not Grant.objects.filter(learner=other).exists()


def test_a_grant_beyond_the_budget_or_from_a_closed_programme_is_refused(
    officer: APIClient, programme: FundingProgramme
) -> None:
    poor = make_programme(
        funder=programme.funder,
        officer=programme.funder.memberships.get().user,
        budget=100_000,
        allowance=300_000,
    )
    learner = UserFactory.create()
    response = officer.post(
        f"/api/v1/funder/programmes/{poor.pk}/grants",
        {"learner_email": learner.email},
        format="json",
    )
    assert response.status_code == 422
    assert response.json()["code"] == "budget_exhausted"
    FundingProgramme.objects.filter(pk=programme.pk).update(status="closed")
    response = officer.post(
        f"/api/v1/funder/programmes/{programme.pk}/grants",
        {"learner_email": learner.email},
        format="json",
    )
    assert response.status_code == 422
    assert response.json()["code"] == "programme_not_active"
    assert not Grant.objects.exists()


# --- Refusing an application over HTTP ---------------------------------------------------------


FACTS = {
    "date_of_birth": "1990-01-01",
    "postcode": "B1 1AA",
    "region": "West Midlands",
    "employment_status": "unemployed",
    "highest_qualification_level": 2,
}


def test_an_officer_refuses_an_application_with_a_reason_once(
    programme: FundingProgramme, officer: APIClient
) -> None:
    learner = UserFactory.create()
    me = client_for(learner)
    applied = me.post(f"/api/v1/programmes/{programme.pk}/applications", FACTS, format="json")
    assert applied.status_code == 201
    url = f"/api/v1/funder/applications/{applied.json()['id']}/refuse"

    for body in ({}, {"reason": "   "}):
        response = officer.post(url, body, format="json")
        assert response.status_code == 400
        assert response.json()["code"] == "invalid"
    auditor = client_for(
        FunderMembershipFactory.create(funder=programme.funder, role="auditor").user, mfa=True
    )
    assert auditor.post(url, {"reason": "No"}, format="json").status_code == 403
    outsider = client_for(FunderMembershipFactory.create().user, mfa=True)
    assert outsider.post(url, {"reason": "No"}, format="json").status_code == 404
    assert ProgrammeApplication.objects.get().status == "submitted"

    refused = officer.post(url, {"reason": "  Already funded by another scheme.  "}, format="json")
    assert refused.status_code == 200, refused.json()
    assert refused.json()["status"] == "refused"
    assert refused.json()["decision_reason"] == "Already funded by another scheme."
    assert refused.json()["decided_at"] is not None

    again = officer.post(url, {"reason": "Twice"}, format="json")
    assert again.status_code == 409
    assert again.json()["code"] == "application_not_pending"
    approve = officer.post(f"/api/v1/funder/applications/{applied.json()['id']}/approve")
    assert approve.status_code == 409
    assert approve.json()["code"] == "application_not_pending"
    assert not Grant.objects.exists()
    assert budget(programme) == 1_000_000
    mine = me.get("/api/v1/applications/mine").json()
    assert [(a["status"], a["decision_reason"]) for a in mine] == [
        ("refused", "Already funded by another scheme.")
    ]


# --- Pots expiring through the scheduled task --------------------------------------------------


def test_the_expiry_task_returns_unspent_money_to_the_programme(
    programme: FundingProgramme, officer: APIClient
) -> None:
    learner = UserFactory.create()
    url = f"/api/v1/funder/programmes/{programme.pk}/grants"
    granted = officer.post(url, {"learner_email": learner.email}, format="json").json()
    other = officer.post(
        url, {"learner_email": UserFactory.create().email, "amount": 1_000}, format="json"
    ).json()
    me = client_for(learner)
    assert expire_pots.delay().get() == 0
    expires_at = dt.datetime.fromisoformat(granted["expires_at"])

    with time_machine.travel(expires_at - dt.timedelta(seconds=1), tick=False):
        assert expire_pots.delay().get() == 0
        assert me.get("/api/v1/wallet").json()["totals"] == {"GBP": 300_000}
    with time_machine.travel(expires_at + dt.timedelta(minutes=5), tick=False):
        assert expire_pots.delay().get() == 2
        assert expire_pots.delay().get() == 0  # safe to run again
        wallet = me.get("/api/v1/wallet").json()
    assert wallet["totals"] == {}
    assert [(p["status"], p["balance"]) for p in wallet["pots"]] == [("expired", 0)]
    statement = me.get("/api/v1/wallet/statement").json()["results"]
    assert [(line["kind"], line["amount"]) for line in statement] == [
        ("pot_expiry", -300_000),
        ("grant", 300_000),
    ]
    assert WalletPot.objects.get(pk=other["pot_id"]).status == "expired"
    assert budget(programme) == 1_000_000
    balance = officer.get(f"/api/v1/funder/programmes/{programme.pk}/balance").json()
    assert (balance["returned_from_expired_pots"], balance["in_pots"]) == (301_000, 0)
    assert balance["available"] == 1_000_000
    assert ledger_verify().ok
