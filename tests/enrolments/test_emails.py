"""People are told: each email goes to the right people after commit, shows amounts as money
and links to a page or resource that answers 200 for them."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.utils import timezone

from enrolments.services import (
    cohort_cancel,
    enrolment_accept,
    enrolment_apply,
    enrolment_confirm_start,
    enrolment_offer,
    enrolment_record_start,
    offers_lapse_due,
)
from tests.enrolments.helpers import World, make_world
from tests.factories import UserFactory
from tests.helpers import client_for
from users.models import User
from wallets.services import grant_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> World:
    return make_world(price=400_000, allowance=400_000)


def _sent(callbacks: Any, action: Any) -> list[EmailMultiAlternatives]:
    mail.outbox.clear()
    with callbacks(execute=True):
        action()
    return [m for m in mail.outbox if isinstance(m, EmailMultiAlternatives)]


def _link(message: EmailMultiAlternatives) -> str:
    match = re.search(r"http://127\.0\.0\.1:8000(/\S+)", str(message.body))
    assert match, message.body
    return match.group(1)


def _opens(user: User, path: str, *, mfa: bool = False) -> None:
    assert client_for(user, mfa=mfa).get(path).status_code == 200, path


def test_a_grant_is_announced_with_its_amount_programme_and_expiry(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    learner = UserFactory.create()
    [message] = _sent(
        django_capture_on_commit_callbacks,
        lambda: grant_create(actor=world.officer, programme=world.programme, learner=learner),
    )
    assert message.to == [learner.email]
    assert "£4,000.00" in message.subject
    assert world.programme.name in message.subject
    pot_expiry = learner.wallet.pots.get().expires_at
    assert f"{timezone.localtime(pot_expiry):%-d %B %Y}" in str(message.body)
    assert "£4,000.00" in str(message.alternatives[0][0])
    _opens(learner, _link(message))


def test_an_offer_says_the_price_and_the_date_to_answer_by(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    learner = world.learner()
    enrolment = enrolment_apply(actor=learner, cohort=world.cohort)
    [message] = _sent(
        django_capture_on_commit_callbacks,
        lambda: enrolment_offer(actor=world.provider_staff.user, enrolment=enrolment),
    )
    assert message.to == [learner.email]
    assert "answer by" in message.subject
    assert "£4,000.00" in str(message.body)
    enrolment.refresh_from_db()
    assert enrolment.offer_answer_by is not None
    assert f"{enrolment.offer_answer_by:%-d %B %Y}" in message.subject
    _opens(learner, _link(message))


def test_a_start_to_confirm_and_a_milestone_payment_are_told(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    enrolment = world.offered()
    enrolment = enrolment_accept(actor=enrolment.learner, enrolment=enrolment)
    [to_confirm] = _sent(
        django_capture_on_commit_callbacks,
        lambda: enrolment_record_start(actor=world.provider_staff.user, enrolment=enrolment),
    )
    assert to_confirm.to == [enrolment.learner.email]
    assert "Confirm by" in to_confirm.subject
    assert "£1,800.00" in str(to_confirm.body)  # the start share the confirmation releases
    _opens(enrolment.learner, _link(to_confirm))

    paid = _sent(
        django_capture_on_commit_callbacks,
        lambda: enrolment_confirm_start(actor=enrolment.learner, enrolment=enrolment),
    )
    assert [m.to for m in paid] == [[world.provider_staff.user.email]]
    assert "£1,800.00 released" in paid[0].subject
    _opens(world.provider_staff.user, _link(paid[0]), mfa=True)


def test_a_cancelled_cohort_tells_each_learner_what_came_back(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    enrolment = world.offered()
    enrolment = enrolment_accept(actor=enrolment.learner, enrolment=enrolment)
    messages = _sent(
        django_capture_on_commit_callbacks,
        lambda: cohort_cancel(
            actor=world.provider_staff.user, cohort=world.cohort, reason="Venue closed"
        ),
    )
    [message] = [m for m in messages if m.to == [enrolment.learner.email]]
    assert "£4,000.00 is back in your wallet" in message.subject
    assert "Venue closed" in str(message.body)
    _opens(enrolment.learner, _link(message))


def test_nothing_is_sent_for_a_change_that_rolled_back(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    learner = world.learner()
    enrolment = enrolment_apply(actor=learner, cohort=world.cohort)
    mail.outbox.clear()

    def offer_then_fail() -> None:
        with transaction.atomic():
            enrolment_offer(actor=world.provider_staff.user, enrolment=enrolment)
            raise RuntimeError("the surrounding transaction fails")

    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError, match="surrounding"),
    ):
        offer_then_fail()
    assert mail.outbox == []


def test_people_turn_off_optional_emails_but_not_those_about_money_or_deadlines(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    learner = UserFactory.create()
    client = client_for(learner)
    listed = {row["kind"]: row for row in client.get("/api/v1/me/notifications").json()}
    assert listed["grant_received"] == {
        "kind": "grant_received",
        "description": "A programme granted you funds",
        "optional": True,
        "enabled": True,
    }
    assert listed["offer_made"]["optional"] is False
    refused = client.patch(
        "/api/v1/me/notifications", {"changes": {"offer_made": False}}, format="json"
    )
    assert refused.status_code == 400
    assert refused.json()["extra"]["fields"]["required"] == ["offer_made"]
    unknown = client.patch("/api/v1/me/notifications", {"changes": {"spam": False}}, format="json")
    assert unknown.status_code == 400
    answer = client.patch(
        "/api/v1/me/notifications", {"changes": {"grant_received": False}}, format="json"
    )
    assert answer.status_code == 200
    assert {r["kind"]: r["enabled"] for r in answer.json()}["grant_received"] is False

    assert (
        _sent(
            django_capture_on_commit_callbacks,
            lambda: grant_create(actor=world.officer, programme=world.programme, learner=learner),
        )
        == []
    )
    enrolment = enrolment_apply(actor=learner, cohort=world.cohort)
    assert (
        len(
            _sent(
                django_capture_on_commit_callbacks,
                lambda: enrolment_offer(actor=world.provider_staff.user, enrolment=enrolment),
            )
        )
        == 1
    )


def test_an_offer_not_answered_in_time_lapses_and_its_seat_goes_on(world: World) -> None:
    world.cohort.capacity = 1
    world.cohort.save()
    waiting, late = world.offered(), world.offered()
    enrolment_accept(actor=waiting.learner, enrolment=waiting)  # takes the seat
    waiting.refresh_from_db()
    assert waiting.status == "accepted"
    late.refresh_from_db()
    assert late.offer_answer_by == timezone.localdate()  # the cohort starts today
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    with time_machine.travel(dt.datetime.combine(tomorrow, dt.time(12)), tick=False):
        answer = client_for(late.learner).post(
            f"/api/v1/enrolments/{late.pk}/accept", {}, format="json"
        )
        assert answer.status_code == 409
        assert answer.json()["code"] == "offer_lapsed"
    assert offers_lapse_due() == 0  # not before its date
    assert offers_lapse_due(today=tomorrow) == 1
    late.refresh_from_db()
    assert late.status == "declined"
    assert late.events.filter(action="offer_lapsed").exists()
