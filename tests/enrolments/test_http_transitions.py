"""Transitions over HTTP that the review found untested: declining by either side,
withdrawing from every state that allows it, changing a course, cancelling a cohort (and
the cancellation that cannot claw back)."""

from __future__ import annotations

import pytest

from enrolments.services import (
    enrolment_accept,
    enrolment_apply,
    enrolment_confirm_start,
    enrolment_offer,
    enrolment_record_start,
)
from tests.enrolments.helpers import World, balance, held, make_world
from tests.helpers import client_for
from wallets.ledger import ledger_post
from wallets.models import LedgerAccount
from wallets.verification import ledger_verify

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> World:
    return make_world(price=300_000, allowance=300_000)


def test_the_provider_declines_an_application_and_the_learner_declines_an_offer(
    world: World,
) -> None:
    provider = client_for(world.provider_staff.user, mfa=True)
    applied = enrolment_apply(actor=world.learner(), cohort=world.cohort)
    answer = provider.post(
        f"/api/v1/provider/enrolments/{applied.pk}/decline",
        {"reason": "Entry requirements not met"},
        format="json",
    )
    assert answer.status_code == 200
    assert answer.json()["status"] == "declined"
    # Declined is final: declining again is a state conflict.
    assert provider.post(f"/api/v1/provider/enrolments/{applied.pk}/decline").status_code == 409

    offered = world.offered()
    learner = client_for(offered.learner)
    answer = learner.post(f"/api/v1/enrolments/{offered.pk}/decline", {}, format="json")
    assert answer.status_code == 200
    assert answer.json()["status"] == "declined"
    assert learner.post(f"/api/v1/enrolments/{applied.pk}/decline").status_code == 404


@pytest.mark.parametrize("stage", ["applied", "offered", "waitlisted", "accepted", "started"])
def test_a_learner_withdraws_over_http_from_every_state_that_allows_it(
    world: World, stage: str
) -> None:
    learner = world.learner()
    if stage == "waitlisted":
        world.cohort.capacity = 1
        world.cohort.save()
        taken = world.offered()
        enrolment_accept(actor=taken.learner, enrolment=taken)
    enrolment = enrolment_apply(actor=learner, cohort=world.cohort)
    if stage != "applied":
        enrolment = enrolment_offer(actor=world.provider_staff.user, enrolment=enrolment)
    if stage in ("waitlisted", "accepted", "started"):
        enrolment = enrolment_accept(actor=learner, enrolment=enrolment)
    if stage == "started":
        enrolment = enrolment_record_start(actor=world.provider_staff.user, enrolment=enrolment)
        enrolment = enrolment_confirm_start(actor=learner, enrolment=enrolment)
    assert enrolment.status == stage

    answer = client_for(learner).post(
        f"/api/v1/enrolments/{enrolment.pk}/withdraw",
        {"reason": "Changed my plans"},
        format="json",
        headers={"Idempotency-Key": f"withdraw-{stage}"},
    )
    assert answer.status_code == 200, answer.json()
    assert answer.json()["status"] == "withdrawn"
    enrolment.refresh_from_db()
    paid = sum(p.amount for p in enrolment.milestone_payments.all())
    pots = sum(p.account.balance for p in learner.wallet.pots.select_related("account"))
    assert pots + paid == 300_000
    assert held(enrolment) == 0
    assert ledger_verify().ok


def test_a_provider_changes_its_course_over_http(world: World) -> None:
    provider = client_for(world.provider_staff.user, mfa=True)
    url = f"/api/v1/provider/courses/{world.course.pk}"
    answer = provider.patch(url, {"summary": "Now with SQL.", "price": 350_000}, format="json")
    assert answer.status_code == 200
    assert (answer.json()["summary"], answer.json()["price"]) == ("Now with SQL.", 350_000)
    assert provider.patch(url, {"level": 9}, format="json").status_code == 400
    assert provider.patch(url, {"skills": ["no-such-skill"]}, format="json").json()["code"] == (
        "unknown_skill"
    )
    world.course.refresh_from_db()
    assert world.course.level == 3


def test_a_provider_cancels_a_cohort_over_http_and_everything_returns(world: World) -> None:
    learner = world.learner()
    enrolment = enrolment_accept(actor=learner, enrolment=world.offered(learner))
    enrolment = enrolment_record_start(actor=world.provider_staff.user, enrolment=enrolment)
    enrolment = enrolment_confirm_start(actor=learner, enrolment=enrolment)
    assert balance(world.payable.pk) == 135_000
    provider = client_for(world.provider_staff.user, mfa=True)
    url = f"/api/v1/provider/cohorts/{world.cohort.pk}/cancel"
    assert provider.post(url, {}, format="json").status_code == 400  # a reason is required
    answer = provider.post(url, {"reason": "Trainer unavailable"}, format="json")
    assert answer.status_code == 200
    assert answer.json() == {"id": world.cohort.pk, "status": "cancelled"}
    assert balance(world.payable.pk) == 0
    pots = sum(p.account.balance for p in learner.wallet.pots.select_related("account"))
    assert pots == 300_000
    assert provider.post(url, {"reason": "Again"}, format="json").status_code == 409
    assert ledger_verify().ok


def test_a_cancellation_that_cannot_claw_back_changes_nothing(world: World) -> None:
    learner = world.learner()
    enrolment = enrolment_accept(actor=learner, enrolment=world.offered(learner))
    enrolment = enrolment_record_start(actor=world.provider_staff.user, enrolment=enrolment)
    enrolment = enrolment_confirm_start(actor=learner, enrolment=enrolment)
    # The provider's payable balance has already left (as a payout would take it).
    payable = world.payable
    elsewhere = LedgerAccount.objects.create(
        key="test:payout",
        kind="funder_external",
        name="Paid out",
        currency="GBP",
        allow_negative=True,
    )
    ledger_post(kind="transfer", currency="GBP", lines=[(payable, -135_000), (elsewhere, 135_000)])

    provider = client_for(world.provider_staff.user, mfa=True)
    answer = provider.post(
        f"/api/v1/provider/cohorts/{world.cohort.pk}/cancel", {"reason": "Closed"}, format="json"
    )
    assert answer.status_code == 422
    assert answer.json()["code"] == "clawback_failed"
    enrolment.refresh_from_db()
    world.cohort.refresh_from_db()
    assert (enrolment.status, world.cohort.status) == ("started", "open")
    assert held(enrolment) == 165_000
    assert ledger_verify().ok
