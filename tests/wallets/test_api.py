"""Wallet APIs through HTTP: scoping by membership, read-only auditors, idempotent money moves."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from tests.factories import (
    FunderMembershipFactory,
    ProviderFactory,
    UserFactory,
    make_programme,
)
from tests.helpers import client_for
from tests.wallets.ledger_helpers import new_account
from wallets.models import FundingProgramme, Grant, LedgerAccount, ProgrammeApplication
from wallets.services import SpendTarget, grant_create, programme_approve_provider, wallet_spend
from wallets.verification import ledger_verify

pytestmark = pytest.mark.django_db


@pytest.fixture
def programme() -> FundingProgramme:
    return make_programme(
        budget=1_000_000,
        allowance=300_000,
        name="West Midlands Digital Bootcamps",
        regions=["West Midlands"],
        min_age=19,
    )


@pytest.fixture
def officer(programme: FundingProgramme) -> APIClient:
    return client_for(programme.funder.memberships.get().user, mfa=True)


def _budget(programme: FundingProgramme) -> int:
    return LedgerAccount.objects.get(pk=programme.budget_account_id).balance


def test_officer_creates_a_programme_and_bad_input_gets_field_errors(
    programme: FundingProgramme, officer: APIClient
) -> None:
    today = timezone.localdate()
    body = {
        "funder_id": programme.funder_id,
        "name": "Tees Valley Skills",
        "opens_on": str(today),
        "closes_on": str(today + dt.timedelta(days=90)),
        "allowance": 250_000,
        "regions": ["Tees Valley"],
        "postcode_prefixes": ["TS", "DL"],
    }
    response = officer.post("/api/v1/funder/programmes", body, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["milestone_start_percent"] == 45

    bad = {
        **body,
        "name": "Other",
        "milestone_start_percent": 50,
        "closes_on": str(today - dt.timedelta(days=1)),
    }
    response = officer.post("/api/v1/funder/programmes", bad, format="json")
    assert response.status_code == 400
    assert set(response.json()["extra"]["fields"]) == {"milestone_start_percent", "closes_on"}

    for field, value in (
        ("allowance", -5),
        ("allowance", "lots"),
        ("employment_statuses", ["astronaut"]),
        ("currency", "pounds"),
    ):
        response = officer.post(
            "/api/v1/funder/programmes", {**body, "name": f"X {field}", field: value}, format="json"
        )
        assert response.status_code == 400, (field, value)
        assert field in response.json()["extra"]["fields"]
    assert FundingProgramme.objects.count() == 2


def test_another_funders_programme_is_a_404(programme: FundingProgramme) -> None:
    outsider = client_for(FunderMembershipFactory.create().user, mfa=True)
    for method, path in (
        ("get", f"/api/v1/funder/programmes/{programme.pk}"),
        ("get", f"/api/v1/funder/programmes/{programme.pk}/balance"),
        ("post", f"/api/v1/funder/programmes/{programme.pk}/fund"),
        ("post", f"/api/v1/funder/programmes/{programme.pk}/grants"),
    ):
        response = getattr(outsider, method)(path, {"amount": 100}, format="json")
        assert response.status_code == 404, (method, path)
        assert response.json()["code"] == "not_found"
    assert outsider.get("/api/v1/funder/programmes").json()["results"] == []


def test_auditor_reads_everything_but_writes_nothing(programme: FundingProgramme) -> None:
    auditor = client_for(
        FunderMembershipFactory.create(funder=programme.funder, role="auditor").user, mfa=True
    )
    assert auditor.get(f"/api/v1/funder/programmes/{programme.pk}").status_code == 200
    balance = auditor.get(f"/api/v1/funder/programmes/{programme.pk}/balance").json()
    assert balance["available"] == 1_000_000
    assert balance["funded"] == 1_000_000
    response = auditor.post(
        f"/api/v1/funder/programmes/{programme.pk}/fund", {"amount": 100}, format="json"
    )
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    response = auditor.patch(
        f"/api/v1/funder/programmes/{programme.pk}", {"name": "Mine now"}, format="json"
    )
    assert response.status_code == 403
    assert _budget(programme) == 1_000_000


def test_officer_without_mfa_is_refused(programme: FundingProgramme) -> None:
    client = client_for(FunderMembershipFactory.create(funder=programme.funder).user)
    response = client.get("/api/v1/funder/programmes")
    assert response.status_code == 403
    assert response.json()["code"] == "mfa_required"


def test_funding_is_idempotent_and_a_conflicting_replay_is_409(
    programme: FundingProgramme, officer: APIClient
) -> None:
    url = f"/api/v1/funder/programmes/{programme.pk}/fund"
    first = officer.post(
        url, {"amount": 50_000}, format="json", headers={"Idempotency-Key": "fund-2026-11"}
    )
    assert first.status_code == 201
    again = officer.post(
        url, {"amount": 50_000}, format="json", headers={"Idempotency-Key": "fund-2026-11"}
    )
    assert again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert _budget(programme) == 1_050_000
    conflict = officer.post(
        url, {"amount": 70_000}, format="json", headers={"Idempotency-Key": "fund-2026-11"}
    )
    assert conflict.status_code == 409
    assert conflict.json()["code"] == "idempotency_conflict"
    bad_key = officer.post(
        url, {"amount": 70_000}, format="json", headers={"Idempotency-Key": "has spaces"}
    )
    assert bad_key.status_code == 400
    assert bad_key.json()["code"] == "invalid_idempotency_key"
    for amount in (0, -100, "ten", None):
        response = officer.post(url, {"amount": amount}, format="json")
        assert response.status_code == 400
        assert response.json()["code"] == "invalid"
    assert _budget(programme) == 1_050_000


def test_learner_applies_officer_approves_learner_sees_wallet_and_statement(
    programme: FundingProgramme, officer: APIClient
) -> None:
    learner = UserFactory.create()
    client = client_for(learner)
    facts = {
        "date_of_birth": "1994-03-02",
        "postcode": "b1 1aa",
        "region": "West Midlands",
        "employment_status": "unemployed",
        "highest_qualification_level": 3,
    }
    assert [p["id"] for p in client.get("/api/v1/programmes").json()] == [programme.pk]
    check = client.post(
        f"/api/v1/programmes/{programme.pk}/eligibility",
        {**facts, "region": "London"},
        format="json",
    )
    assert check.json() == {
        "eligible": False,
        "reasons": [
            {"code": "region_not_covered", "message": "This programme covers West Midlands."}
        ],
    }

    response = client.post(
        f"/api/v1/programmes/{programme.pk}/applications",
        {**facts, "region": "London"},
        format="json",
    )
    assert response.status_code == 422
    assert response.json()["code"] == "not_eligible"
    assert response.json()["extra"]["reasons"][0]["code"] == "region_not_covered"

    response = client.post(f"/api/v1/programmes/{programme.pk}/applications", facts, format="json")
    assert response.status_code == 201
    assert response.json()["postcode"] == "B1 1AA"
    application_id = response.json()["id"]
    again = client.post(f"/api/v1/programmes/{programme.pk}/applications", facts, format="json")
    assert again.status_code == 409
    assert again.json()["code"] == "already_applied"

    pending = officer.get(
        f"/api/v1/funder/programmes/{programme.pk}/applications?status=submitted"
    ).json()
    assert [a["id"] for a in pending["results"]] == [application_id]
    approved = officer.post(
        f"/api/v1/funder/applications/{application_id}/approve", headers={"Idempotency-Key": "a1"}
    )
    assert approved.status_code == 201, approved.json()
    assert approved.json()["amount"] == 300_000
    replay = officer.post(
        f"/api/v1/funder/applications/{application_id}/approve", headers={"Idempotency-Key": "a1"}
    )
    assert replay.json() == approved.json()
    twice = officer.post(f"/api/v1/funder/applications/{application_id}/approve")
    assert twice.status_code == 409
    assert twice.json()["code"] == "application_not_pending"
    assert Grant.objects.filter(learner=learner).count() == 1

    wallet = client.get("/api/v1/wallet").json()
    assert wallet["totals"] == {"GBP": 300_000}
    assert wallet["pots"][0]["programme_name"] == "West Midlands Digital Bootcamps"
    statement = client.get("/api/v1/wallet/statement").json()
    assert [
        (line["kind"], line["amount"], line["balance_after"]) for line in statement["results"]
    ] == [("grant", 300_000, 300_000)]
    assert client.get("/api/v1/applications/mine").json()[0]["status"] == "approved"
    # Learners cannot reach funder endpoints.
    assert client.get(f"/api/v1/funder/programmes/{programme.pk}").status_code == 404


def test_bad_application_input_is_400(programme: FundingProgramme) -> None:
    client = client_for(UserFactory.create())
    for bad in (
        {"postcode": "NOT A POSTCODE"},
        {"date_of_birth": "2999-01-01"},
        {"employment_status": "pirate"},
        {"highest_qualification_level": 12},
    ):
        body = {
            "date_of_birth": "1994-03-02",
            "postcode": "B1 1AA",
            "region": "West Midlands",
            "employment_status": "unemployed",
            "highest_qualification_level": 3,
            **bad,
        }
        response = client.post(
            f"/api/v1/programmes/{programme.pk}/applications", body, format="json"
        )
        assert response.status_code == 400, bad
        assert next(iter(bad)) in response.json()["extra"]["fields"]
    assert (
        client.post("/api/v1/programmes/999999/applications", {}, format="json").status_code == 404
    )
    assert not ProgrammeApplication.objects.exists()


def test_bulk_grant_upload_reports_bad_rows(
    programme: FundingProgramme, officer: APIClient
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    UserFactory.create(email="ok@example.org")
    csv_bytes = b"email,amount\nok@example.org,100000\nnobody@example.org,\n"
    url = f"/api/v1/funder/programmes/{programme.pk}/grants/bulk"
    response = officer.post(
        url, {"file": SimpleUploadedFile("grants.csv", csv_bytes, "text/csv")}, format="multipart"
    )
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "bulk_grant_has_errors"
    assert body["extra"]["report"]["errors"] == [
        {"line": 3, "email": "nobody@example.org", "reason": "no learner has this email"}
    ]
    assert Grant.objects.count() == 0

    response = officer.post(
        url, {"csv": csv_bytes.decode(), "grant_valid_rows": True}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["granted"] == 1
    assert response.json()["granted_total"] == 100_000
    assert officer.post(url, {}, format="json").status_code == 400


def test_provider_approval_for_a_programme(programme: FundingProgramme, officer: APIClient) -> None:
    provider = ProviderFactory.create()
    url = f"/api/v1/funder/programmes/{programme.pk}/providers"
    assert officer.post(url, {"provider_id": provider.pk}, format="json").status_code == 201
    assert officer.post(url, {"provider_id": 987654}, format="json").status_code == 404
    pending = ProviderFactory.create(status="pending")
    response = officer.post(url, {"provider_id": pending.pk}, format="json")
    assert response.status_code == 422
    assert response.json()["code"] == "provider_not_approved"


def test_statement_pages_cost_the_same_number_of_queries_whatever_their_size(
    programme: FundingProgramme, officer: APIClient
) -> None:

    learner = UserFactory.create()
    officer_user = programme.funder.memberships.get().user

    grant = grant_create(actor=officer_user, programme=programme, learner=learner)
    provider = ProviderFactory.create()
    programme_approve_provider(actor=officer_user, programme=programme, provider=provider)
    payable = new_account(kind="provider_payable")
    for _ in range(12):
        wallet_spend(
            actor=learner,
            wallet=grant.pot.wallet,
            amount=1_000,
            currency="GBP",
            target=SpendTarget(provider_id=provider.pk, level=3, skills=[]),
            destination=payable,
        )
    client = client_for(learner)
    counts = []
    for size in (2, 10):
        with CaptureQueriesContext(connection) as queries:
            page = client.get(f"/api/v1/wallet/statement?page_size={size}").json()
        assert len(page["results"]) == size
        counts.append(len(queries))
    assert counts[0] == counts[1]
    first = client.get("/api/v1/wallet/statement?page_size=5").json()
    second = client.get(first["next"]).json()
    assert [line["balance_after"] for line in first["results"] + second["results"]] == [
        300_000 - 1_000 * n for n in range(12, 2, -1)
    ]


def test_only_an_unused_draft_programme_can_be_deleted(
    programme: FundingProgramme, officer: APIClient
) -> None:
    response = officer.delete(f"/api/v1/funder/programmes/{programme.pk}")
    assert response.status_code == 409
    assert response.json()["code"] == "programme_in_use"
    today = timezone.localdate()
    draft = officer.post(
        "/api/v1/funder/programmes",
        {
            "funder_id": programme.funder_id,
            "name": "Draft",
            "opens_on": str(today),
            "closes_on": str(today),
            "allowance": 1000,
        },
        format="json",
    ).json()
    assert officer.delete(f"/api/v1/funder/programmes/{draft['id']}").status_code == 204
    assert not FundingProgramme.objects.filter(pk=draft["id"]).exists()
    assert officer.delete(f"/api/v1/funder/programmes/{draft['id']}").status_code == 404


def test_a_programme_name_of_the_maximum_length_is_accepted(
    programme: FundingProgramme, officer: APIClient
) -> None:
    # Found by schemathesis: the budget account's label ("<name> budget") overflowed its column.
    today = timezone.localdate()
    body = {
        "funder_id": programme.funder_id,
        "name": "N" * 200,
        "opens_on": str(today),
        "closes_on": str(today),
        "allowance": 1,
    }
    response = officer.post("/api/v1/funder/programmes", body, format="json")
    assert response.status_code == 201
    created = FundingProgramme.objects.get(pk=response.json()["id"])
    activated = officer.post(f"/api/v1/funder/programmes/{created.pk}/activate")
    assert activated.status_code == 200
    created.refresh_from_db()
    learner = UserFactory.create()
    officer_user = programme.funder.memberships.get().user
    programme_fund = officer.post(
        f"/api/v1/funder/programmes/{created.pk}/fund", {"amount": 10}, format="json"
    )
    assert programme_fund.status_code == 201
    grant_create(actor=officer_user, programme=created, learner=learner)
    assert ledger_verify().ok
