"""Enrolments over HTTP: each role in its own scope, error bodies, idempotent acceptance."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from enrolments.models import Enrolment
from enrolments.services import enrolment_accept
from tests.enrolments.helpers import World, balance, make_world
from tests.factories import (
    CohortFactory,
    FunderMembershipFactory,
    ProviderMembershipFactory,
)
from tests.helpers import client_for
from wallets.verification import ledger_verify

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> World:
    return make_world(price=400_000, allowance=400_000)


def test_the_whole_journey_over_http(world: World) -> None:
    learner = world.learner()
    me = client_for(learner)
    provider = client_for(world.provider_staff.user, mfa=True)
    funder = client_for(world.officer, mfa=True)

    applied = me.post(
        f"/api/v1/cohorts/{world.cohort.pk}/enrolments",
        {"statement": "Career change into data."},
        format="json",
    )
    assert applied.status_code == 201
    eid = applied.json()["id"]
    assert (
        me.post(f"/api/v1/cohorts/{world.cohort.pk}/enrolments", {}, format="json").json()["code"]
        == "already_enrolled"
    )

    listed = provider.get(
        f"/api/v1/provider/cohorts/{world.cohort.pk}/enrolments?status=applied"
    ).json()["results"]
    assert [e["id"] for e in listed] == [eid]
    assert provider.post(f"/api/v1/provider/enrolments/{eid}/offer").json()["status"] == "offered"

    accepted = me.post(
        f"/api/v1/enrolments/{eid}/accept",
        {},
        format="json",
        headers={"Idempotency-Key": "accept-1"},
    )
    assert accepted.status_code == 200
    assert accepted.json()["wallet_part"] == 400_000
    replay = me.post(
        f"/api/v1/enrolments/{eid}/accept",
        {},
        format="json",
        headers={"Idempotency-Key": "accept-1"},
    )
    assert replay.json() == accepted.json()
    twice = me.post(f"/api/v1/enrolments/{eid}/accept", {}, format="json")
    assert twice.status_code == 409
    assert twice.json()["code"] == "invalid_transition"
    assert me.get("/api/v1/wallet").json()["totals"] == {"GBP": 0}

    world.run_cohort(days_ago=9)  # the cohort ran ten daily sessions, the last today
    provider.post(f"/api/v1/provider/enrolments/{eid}/start")
    me.post(f"/api/v1/enrolments/{eid}/confirm-start")
    today = timezone.localdate()
    sessions = [{"date": str(today - dt.timedelta(days=n)), "present": n != 3} for n in range(10)]
    assert (
        provider.post(
            f"/api/v1/provider/enrolments/{eid}/attendance", {"sessions": sessions}, format="json"
        ).json()["attendance_percent"]
        == 90
    )
    assert (
        provider.post(f"/api/v1/provider/enrolments/{eid}/complete").json()["status"] == "completed"
    )
    outcome = provider.post(
        f"/api/v1/provider/enrolments/{eid}/outcome",
        {
            "outcome": "employment",
            "evidence": "Offer letter from Tees Logistics",
            "outcome_date": str(today),
        },
        format="json",
    )
    assert outcome.json()["outcome_verification"] == "pending"

    pending = funder.get("/api/v1/funder/enrolments?verification=pending").json()["results"]
    assert [e["id"] for e in pending] == [eid]
    verified = funder.post(
        f"/api/v1/funder/enrolments/{eid}/verify-outcome", {"verified": True}, format="json"
    )
    assert verified.status_code == 200
    assert balance(world.payable.pk) == 400_000

    me.post(
        f"/api/v1/enrolments/{eid}/problems",
        {"description": "Tutor missed two sessions in week 3."},
        format="json",
    )
    detail = funder.get(f"/api/v1/funder/enrolments/{eid}").json()
    assert detail["problems"][0]["description"] == "Tutor missed two sessions in week 3."
    actions = [e["action"] for e in detail["events"]]
    assert actions[:3] == ["apply", "offer", "accept"]
    assert "verify_outcome" in actions
    learner_events = me.get(f"/api/v1/enrolments/{eid}/events").json()
    provider_events = provider.get(f"/api/v1/provider/enrolments/{eid}/events").json()
    assert len(learner_events) == len(provider_events) == len(detail["events"])
    assert ledger_verify().ok


def test_not_enough_funds_answers_422_with_the_missing_amount(world: World) -> None:
    enrolment = world.offered(world.learner(funds=False))
    response = client_for(enrolment.learner).post(
        f"/api/v1/enrolments/{enrolment.pk}/accept", {}, format="json"
    )
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "insufficient_funds"
    assert body["extra"]["shortfall"] == 400_000
    enrolment.refresh_from_db()
    assert enrolment.status == "offered"


def test_other_learners_and_other_providers_get_404(world: World) -> None:
    enrolment = world.offered()
    someone_else = client_for(world.learner())
    for path in ("accept", "withdraw", "confirm-start", "decline", "problems"):
        response = someone_else.post(
            f"/api/v1/enrolments/{enrolment.pk}/{path}", {"description": "x"}, format="json"
        )
        assert response.status_code == 404, path
    assert someone_else.get(f"/api/v1/enrolments/{enrolment.pk}").status_code == 404

    other_provider = client_for(ProviderMembershipFactory.create().user, mfa=True)
    for path in ("offer", "start", "complete", "decline"):
        assert (
            other_provider.post(f"/api/v1/provider/enrolments/{enrolment.pk}/{path}").status_code
            == 404
        ), path
    assert (
        other_provider.get(f"/api/v1/provider/cohorts/{world.cohort.pk}/enrolments").status_code
        == 404
    )
    assert (
        other_provider.post(
            f"/api/v1/provider/cohorts/{world.cohort.pk}/cancel", {"reason": "x"}, format="json"
        ).status_code
        == 404
    )
    enrolment.refresh_from_db()
    assert enrolment.status == "offered"


def test_invalid_transitions_and_bad_input_get_the_error_body(world: World) -> None:
    enrolment = world.offered()
    provider = client_for(world.provider_staff.user, mfa=True)
    response = provider.post(f"/api/v1/provider/enrolments/{enrolment.pk}/start")
    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"
    assert response.json()["extra"]["status"] == "offered"
    response = provider.post(
        f"/api/v1/provider/enrolments/{enrolment.pk}/outcome",
        {"outcome": "lottery win"},
        format="json",
    )
    assert response.status_code == 400
    response = provider.post(
        f"/api/v1/provider/enrolments/{enrolment.pk}/attendance",
        {"sessions": [{"date": "yesterday", "present": True}]},
        format="json",
    )
    assert response.status_code == 400
    response = client_for(enrolment.learner).post(
        f"/api/v1/enrolments/{enrolment.pk}/accept", {"deferred_part": -5}, format="json"
    )
    assert response.status_code == 400
    response = client_for(enrolment.learner).post(
        f"/api/v1/enrolments/{enrolment.pk}/accept", {"deferred_part": 999_999}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_split"
    assert Enrolment.objects.get(pk=enrolment.pk).status == "offered"


def test_applying_to_a_closed_or_unknown_cohort(world: World) -> None:
    me = client_for(world.learner())
    assert me.post("/api/v1/cohorts/999999/enrolments", {}, format="json").status_code == 404
    late = CohortFactory.create(
        course=world.course,
        application_deadline=timezone.localdate() - dt.timedelta(days=1),
        start_date=timezone.localdate() + dt.timedelta(days=1),
    )
    response = me.post(f"/api/v1/cohorts/{late.pk}/enrolments", {}, format="json")
    assert response.status_code == 422
    assert response.json()["code"] == "cohort_closed"


def test_auditors_read_but_cannot_verify(world: World) -> None:
    enrolment = world.offered()
    auditor = client_for(
        FunderMembershipFactory.create(funder=world.programme.funder, role="auditor").user, mfa=True
    )
    assert (
        auditor.get("/api/v1/funder/enrolments").json()["results"] == []
    )  # not funded until accepted
    enrolment_accept(actor=enrolment.learner, enrolment=enrolment)
    assert [e["id"] for e in auditor.get("/api/v1/funder/enrolments").json()["results"]] == [
        enrolment.pk
    ]
    response = auditor.post(
        f"/api/v1/funder/enrolments/{enrolment.pk}/verify-outcome",
        {"verified": True},
        format="json",
    )
    assert response.status_code == 403
