"""`Idempotency-Key` on every enrolment endpoint that moves money or records a milestone.

A key sent again returns the first answer (`Idempotent-Replayed: true`), records nothing
twice and pays nothing twice; the same key with another body is 409. The calls run on the
cohort's calendar (time-machine): acceptance before the start, the start and attendance
during the cohort, completion and outcome after its end.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.utils import timezone
from rest_framework.test import APIClient

from courses.models import Cohort
from enrolments.models import AttendanceRecord, Enrolment, EnrolmentEvent, MilestonePayment
from enrolments.services import enrolment_accept
from tests.concurrency import run_concurrently
from tests.enrolments.helpers import World, balance, held, make_world
from tests.helpers import client_for
from wallets.models import LedgerTransaction
from wallets.verification import ledger_verify


def _weekday_on_or_after(day: dt.date) -> dt.date:
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day


def _noon(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(12)))


def _counts(enrolment: Enrolment) -> tuple[int, int, int, int]:
    return (
        EnrolmentEvent.objects.filter(enrolment=enrolment).count(),
        MilestonePayment.objects.filter(enrolment=enrolment).count(),
        AttendanceRecord.objects.filter(enrolment=enrolment).count(),
        LedgerTransaction.objects.count(),
    )


def replayed(client: APIClient, url: str, body: dict[str, Any] | None, key: str) -> Any:
    """Send a call twice with one key: the second answer is the first, and nothing changes."""
    enrolment = Enrolment.objects.get(pk=int(url.split("/enrolments/")[1].split("/")[0]))
    first = client.post(url, body or {}, format="json", headers={"Idempotency-Key": key})
    assert first.status_code == 200, (url, first.json())
    assert "Idempotent-Replayed" not in first
    before = _counts(enrolment)
    again = client.post(url, body or {}, format="json", headers={"Idempotency-Key": key})
    assert again.status_code == 200, (url, again.json())
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert _counts(enrolment) == before
    return first.json()


@pytest.mark.django_db
def test_every_milestone_call_replays_its_first_answer() -> None:
    world = make_world(price=400_000, allowance=400_000, sample_rate="1")
    enrolment = world.offered()
    learner = client_for(enrolment.learner)
    provider = client_for(world.provider_staff.user, mfa=True)
    funder = client_for(world.officer, mfa=True)
    eid = enrolment.pk
    cohort: Cohort = world.cohort

    accepted = replayed(learner, f"/api/v1/enrolments/{eid}/accept", None, "accept-1")
    assert accepted["status"] == "accepted"

    first_day = _weekday_on_or_after(cohort.start_date)
    with time_machine.travel(_noon(first_day), tick=False):
        started = replayed(provider, f"/api/v1/provider/enrolments/{eid}/start", None, "start-1")
        assert started["status"] == "started"
        confirmed = replayed(learner, f"/api/v1/enrolments/{eid}/confirm-start", None, "conf-1")
        assert confirmed["learner_confirmed_start_at"] is not None
        sessions = {"sessions": [{"date": str(first_day), "present": True}]}
        url = f"/api/v1/provider/enrolments/{eid}/attendance"
        replayed(provider, url, sessions, "attendance-1")
        other = {"sessions": [{"date": str(first_day), "present": False}]}
        conflict = provider.post(
            url, other, format="json", headers={"Idempotency-Key": "attendance-1"}
        )
        assert conflict.status_code == 409
        assert conflict.json()["code"] == "idempotency_conflict"
        assert AttendanceRecord.objects.get(enrolment=enrolment).present is True
    assert MilestonePayment.objects.filter(enrolment=enrolment, milestone="start").count() == 1
    assert EnrolmentEvent.objects.filter(enrolment=enrolment, action="record_start").count() == 1

    with time_machine.travel(_noon(cohort.end_date + dt.timedelta(days=1)), tick=False):
        completed = replayed(provider, f"/api/v1/provider/enrolments/{eid}/complete", None, "done")
        assert completed["status"] == "completed"
        outcome = {
            "outcome": "employment",
            "evidence": "Offer letter from Tees Logistics",
            "outcome_date": str(cohort.end_date),
        }
        url = f"/api/v1/provider/enrolments/{eid}/outcome"
        recorded = replayed(provider, url, outcome, "outcome-1")
        assert recorded["outcome_verification"] == "pending"
        url = f"/api/v1/funder/enrolments/{eid}/verify-outcome"
        verified = replayed(funder, url, {"verified": True}, "verify-1")
        assert verified["outcome_verification"] == "verified"

    paid = MilestonePayment.objects.filter(enrolment=enrolment)
    assert sorted(paid.values_list("milestone", flat=True)) == ["completion", "outcome", "start"]
    assert balance(world.payable.pk) == 400_000
    assert ledger_verify().ok


@pytest.mark.django_db
def test_a_withdrawal_replays_its_first_answer() -> None:
    world = make_world(price=400_000, allowance=400_000)
    enrolment = world.offered()
    enrolment_accept(actor=enrolment.learner, enrolment=enrolment)
    learner = client_for(enrolment.learner)
    withdrawn = replayed(
        learner, f"/api/v1/enrolments/{enrolment.pk}/withdraw", {"reason": "Moved"}, "w-1"
    )
    assert withdrawn["status"] == "withdrawn"
    assert learner.get("/api/v1/wallet").json()["totals"] == {"GBP": 400_000}


@pytest.mark.django_db
def test_a_cohort_cancellation_replays_its_first_answer() -> None:
    world = make_world(price=400_000, allowance=400_000)
    enrolment = world.offered()
    enrolment_accept(actor=enrolment.learner, enrolment=enrolment)
    provider = client_for(world.provider_staff.user, mfa=True)
    url = f"/api/v1/provider/cohorts/{world.cohort.pk}/cancel"
    body = {"reason": "The tutor left."}
    first = provider.post(url, body, format="json", headers={"Idempotency-Key": "cancel-1"})
    assert first.status_code == 200, first.json()
    transactions = LedgerTransaction.objects.count()
    again = provider.post(url, body, format="json", headers={"Idempotency-Key": "cancel-1"})
    assert again.status_code == 200
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json() == {"id": world.cohort.pk, "status": "cancelled"}
    assert LedgerTransaction.objects.count() == transactions
    assert client_for(enrolment.learner).get("/api/v1/wallet").json()["totals"] == {"GBP": 400_000}


@pytest.mark.django_db(transaction=True)
def test_two_acceptances_with_one_key_at_once_hold_the_money_once_and_answer_alike() -> None:
    world: World = make_world(price=400_000, allowance=400_000)
    enrolment = world.offered()
    url = f"/api/v1/enrolments/{enrolment.pk}/accept"

    def accept() -> Any:
        client = client_for(enrolment.learner)
        response = client.post(url, {}, format="json", headers={"Idempotency-Key": "same"})
        return response.status_code, response.json(), response.get("Idempotent-Replayed")

    results = run_concurrently([accept, accept])
    assert [r for r in results if isinstance(r, BaseException)] == []
    assert [status for status, _, _ in results] == [200, 200]
    assert results[0][1] == results[1][1]
    assert sorted(str(flag) for _, _, flag in results) == ["None", "true"]
    enrolment.refresh_from_db()
    assert enrolment.status == "accepted"
    assert held(enrolment) == 400_000
    assert Cohort.objects.get(pk=world.cohort.pk).seats_taken == 1
    assert client_for(enrolment.learner).get("/api/v1/wallet").json()["totals"] == {"GBP": 0}
    assert ledger_verify().ok
