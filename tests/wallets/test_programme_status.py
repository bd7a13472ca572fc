"""A programme's status changes only through its services: draft → active → closed (final)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from core.errors import Forbidden
from tests.factories import FunderMembershipFactory, UserFactory, make_programme
from tests.helpers import client_for
from wallets.models import FundingProgramme
from wallets.services import (
    grant_create,
    programme_activate,
    programme_close,
    programme_update,
)

pytestmark = pytest.mark.django_db


def _draft(**fields: Any) -> FundingProgramme:
    return make_programme(status=FundingProgramme.Status.DRAFT, budget=0, **fields)


def _officer_of(programme: FundingProgramme) -> APIClient:
    return client_for(programme.funder.memberships.get().user, mfa=True)


def _url(programme: FundingProgramme, action: str) -> str:
    return f"/api/v1/funder/programmes/{programme.pk}/{action}"


def _status(programme: FundingProgramme) -> str:
    return FundingProgramme.objects.get(pk=programme.pk).status


def test_a_new_programme_is_a_draft_and_refuses_a_status_at_creation() -> None:
    membership = FunderMembershipFactory.create()
    officer = client_for(membership.user, mfa=True)
    today = timezone.localdate()
    body = {
        "funder_id": membership.funder_id,
        "name": "Tees Valley Skills",
        "opens_on": str(today),
        "closes_on": str(today + dt.timedelta(days=90)),
        "allowance": 250_000,
    }
    response = officer.post("/api/v1/funder/programmes", {**body, "status": "active"})
    assert response.status_code == 400
    assert response.json()["code"] == "field_not_editable"
    assert set(response.json()["extra"]["fields"]) == {"status"}
    assert not FundingProgramme.objects.exists()

    response = officer.post("/api/v1/funder/programmes", body)
    assert response.status_code == 201
    assert response.json()["status"] == "draft"


def test_officers_activate_then_close_a_programme_and_closing_is_final() -> None:
    programme = _draft()
    officer = _officer_of(programme)

    response = officer.post(_url(programme, "activate"))
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "active"
    response = officer.post(_url(programme, "activate"))
    assert response.status_code == 409
    assert response.json()["code"] == "programme_not_draft"

    response = officer.post(_url(programme, "close"), {"reason": "Budget fully committed."})
    assert response.status_code == 200
    assert response.json()["status"] == "closed"
    change = programme.status_changes.get(to_status="closed")
    assert (change.from_status, change.to_status, change.reason) == (
        "active",
        "closed",
        "Budget fully committed.",
    )
    assert change.actor == programme.funder.memberships.get().user

    for action, body in (("close", {"reason": "Again."}), ("activate", {})):
        response = officer.post(_url(programme, action), body)
        assert response.status_code == 409, action
        assert response.json()["code"] == "programme_closed"
    assert _status(programme) == "closed"


def test_a_draft_can_be_closed_without_ever_opening() -> None:
    programme = _draft()
    response = _officer_of(programme).post(_url(programme, "close"), {"reason": "Not funded."})
    assert response.status_code == 200
    assert _status(programme) == "closed"


def test_closing_needs_a_reason() -> None:
    programme = make_programme()
    officer = _officer_of(programme)
    for body in ({}, {"reason": "   "}, {"reason": "x" * 501}):
        response = officer.post(_url(programme, "close"), body)
        assert response.status_code == 400, body
        assert "reason" in response.json()["extra"]["fields"]
    assert _status(programme) == "active"


def test_activation_checks_the_rules_again() -> None:
    programme = _draft()
    # Rules that no service would accept (e.g. written before a rule existed).
    FundingProgramme.objects.filter(pk=programme.pk).update(
        co_payment_kind=FundingProgramme.CoPayment.FLAT, co_payment_flat=0
    )
    response = _officer_of(programme).post(_url(programme, "activate"))
    assert response.status_code == 400
    assert set(response.json()["extra"]["fields"]) == {"co_payment_flat"}
    assert _status(programme) == "draft"


def test_a_programme_whose_window_has_ended_cannot_be_activated() -> None:
    today = timezone.localdate()
    programme = _draft(
        opens_on=today - dt.timedelta(days=60), closes_on=today - dt.timedelta(days=1)
    )
    response = _officer_of(programme).post(_url(programme, "activate"))
    assert response.status_code == 400
    assert set(response.json()["extra"]["fields"]) == {"closes_on"}
    assert _status(programme) == "draft"


def test_auditors_are_refused_and_other_funders_see_nothing() -> None:
    programme = _draft()
    auditor = client_for(
        FunderMembershipFactory.create(funder=programme.funder, role="auditor").user, mfa=True
    )
    outsider = client_for(FunderMembershipFactory.create().user, mfa=True)
    for action in ("activate", "close"):
        response = auditor.post(_url(programme, action), {"reason": "Mine."})
        assert response.status_code == 403, action
        assert response.json()["code"] == "permission_denied"
        response = outsider.post(_url(programme, action), {"reason": "Mine."})
        assert response.status_code == 404, action
    assert _status(programme) == "draft"


def test_the_services_check_the_actor_too() -> None:
    programme = _draft()
    auditor = FunderMembershipFactory.create(funder=programme.funder, role="auditor").user
    for actor in (auditor, FunderMembershipFactory.create().user, UserFactory.create()):
        with pytest.raises(Forbidden):
            programme_activate(actor=actor, programme=programme)
        with pytest.raises(Forbidden):
            programme_close(actor=actor, programme=programme, reason="No.")
    assert _status(programme) == "draft"


def test_patch_refuses_status_and_money_fields_by_name() -> None:
    programme = make_programme()
    officer = _officer_of(programme)
    url = f"/api/v1/funder/programmes/{programme.pk}"
    for field, value in (
        ("status", "closed"),
        ("currency", "EUR"),
        ("funder_id", 1),
        ("budget_account", 1),
        ("budget_balance", 10**9),
    ):
        response = officer.patch(url, {field: value, "name": "Renamed"})
        assert response.status_code == 400, field
        body = response.json()
        assert body["code"] == "field_not_editable"
        assert list(body["extra"]["fields"]) == [field]
        assert field in body["detail"]
    programme.refresh_from_db()
    assert (programme.status, programme.currency, programme.name) == (
        "active",
        "GBP",
        programme.name,
    )
    assert not programme.name.startswith("Renamed")


def test_patch_cannot_move_a_closed_programme_back_to_draft_or_active() -> None:
    programme = make_programme()
    officer = _officer_of(programme)
    assert officer.post(_url(programme, "close"), {"reason": "Ended."}).status_code == 200
    url = f"/api/v1/funder/programmes/{programme.pk}"
    assert officer.patch(url, {"status": "draft"}).status_code == 400
    assert officer.post(_url(programme, "activate")).status_code == 409
    assert officer.patch(url, {"status": "active"}).status_code == 400
    assert _status(programme) == "closed"


def test_a_closed_programme_grants_nothing() -> None:
    programme = make_programme()
    officer = programme.funder.memberships.get().user
    programme_close(actor=officer, programme=programme, reason="Ended.")
    from wallets.errors import ProgrammeNotActive

    with pytest.raises(ProgrammeNotActive):
        grant_create(actor=officer, programme=programme, learner=UserFactory.create())


def test_the_new_endpoints_are_documented(client: APIClient) -> None:
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    for action in ("activate", "close"):
        operation = schema["paths"][f"/api/v1/funder/programmes/{{programme_id}}/{action}"]["post"]
        assert operation["summary"]
        assert {"200", "403", "404", "409"} <= set(operation["responses"])


def test_only_officers_change_money_rules_and_staff_only_names_dates_and_eligibility() -> None:
    programme = make_programme(allowance=300_000)
    auditor = FunderMembershipFactory.create(funder=programme.funder, role="auditor").user
    staff = UserFactory.create(is_staff=True)
    with pytest.raises(Forbidden):
        programme_update(actor=auditor, programme=programme, description="Mine.")
    with pytest.raises(Forbidden):
        programme_update(actor=staff, programme=programme, allowance=1)
    programme_update(actor=staff, programme=programme, description="Fixed a typo.")
    officer = programme.funder.memberships.get(role="officer").user
    programme_update(actor=officer, programme=programme, allowance=250_000)
    programme.refresh_from_db()
    assert (programme.description, programme.allowance) == ("Fixed a typo.", 250_000)


def test_officers_change_the_rules_with_patch() -> None:
    programme = make_programme(allowance=300_000)
    response = _officer_of(programme).patch(
        f"/api/v1/funder/programmes/{programme.pk}",
        {"allowance": 350_000, "description": "Now with cloud courses."},
    )
    assert response.status_code == 200, response.json()
    assert (response.json()["allowance"], response.json()["status"]) == (350_000, "active")
    programme.refresh_from_db()
    assert programme.description == "Now with cloud courses."
