"""A suspended (or not yet approved) provider is frozen: nothing it does is paid, published or
sent; money in escrow stays held until the funder cancels or the provider is reinstated."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.utils import timezone

from core.errors import DomainError
from courses.services import cohort_create, course_create, course_update
from enrolments.errors import ProviderStillApproved
from enrolments.models import Enrolment, MilestonePayment
from enrolments.services import (
    attendance_record,
    enrolment_accept,
    enrolment_cancel_by_funder,
    enrolment_complete,
    enrolment_confirm_start,
    enrolment_record_outcome,
    enrolment_record_start,
    outcome_verify,
)
from providers.errors import ProviderNotActive
from providers.models import Provider
from providers.services import provider_invite, provider_set_status
from tests.enrolments.helpers import World, balance, held, make_world
from tests.factories import ProviderFactory, ProviderMembershipFactory, UserFactory
from tests.helpers import client_for
from users.models import User
from wallets.verification import ledger_verify

pytestmark = pytest.mark.django_db


def _staff_user() -> User:
    return UserFactory.create(is_staff=True)


def _set(world: World, status: str) -> None:
    provider = world.course.provider
    provider.refresh_from_db()
    provider_set_status(actor=_staff_user(), provider=provider, status=status, reason="Review")
    world.course.provider.refresh_from_db()


def _accepted(world: World) -> Enrolment:
    enrolment = world.offered()
    return enrolment_accept(actor=enrolment.learner, enrolment=enrolment)


def _sessions(n: int) -> list[tuple[dt.date, bool]]:
    return [(timezone.localdate() - dt.timedelta(days=d), True) for d in range(n)]


def test_a_suspended_provider_records_and_is_paid_no_milestone() -> None:
    world = make_world(price=400_000, allowance=400_000)
    staff = world.provider_staff.user
    enrolment = _accepted(world)
    _set(world, Provider.Status.SUSPENDED)

    with pytest.raises(ProviderNotActive):
        enrolment_record_start(actor=staff, enrolment=enrolment)
    with pytest.raises(ProviderNotActive):
        enrolment_confirm_start(actor=enrolment.learner, enrolment=enrolment)

    enrolment.refresh_from_db()
    assert enrolment.status == "accepted"
    assert enrolment.provider_recorded_start_at is None
    assert held(enrolment) == 400_000  # held, not returned, not paid
    assert balance(world.payable.pk) == 0
    assert ledger_verify().ok


def test_a_start_recorded_before_the_suspension_is_not_paid_when_the_learner_confirms() -> None:
    world = make_world(price=400_000, allowance=400_000)
    enrolment = _accepted(world)
    enrolment = enrolment_record_start(actor=world.provider_staff.user, enrolment=enrolment)
    _set(world, Provider.Status.SUSPENDED)

    with pytest.raises(ProviderNotActive):
        enrolment_confirm_start(actor=enrolment.learner, enrolment=enrolment)
    assert not MilestonePayment.objects.filter(enrolment=enrolment).exists()
    assert balance(world.payable.pk) == 0

    _set(world, Provider.Status.APPROVED)  # reinstated: everything resumes normally
    enrolment_confirm_start(actor=enrolment.learner, enrolment=enrolment)
    assert balance(world.payable.pk) == 180_000
    assert ledger_verify().ok


def test_attendance_completion_outcome_and_verification_wait_while_suspended() -> None:
    world = make_world(price=400_000, allowance=400_000, sample_rate="1")
    staff = world.provider_staff.user
    enrolment = _accepted(world)
    world.run_cohort(days_ago=9)
    enrolment = enrolment_record_start(actor=staff, enrolment=enrolment)
    enrolment = enrolment_confirm_start(actor=enrolment.learner, enrolment=enrolment)
    enrolment = attendance_record(actor=staff, enrolment=enrolment, sessions=_sessions(10))
    _set(world, Provider.Status.SUSPENDED)
    for attempt in (
        lambda: attendance_record(actor=staff, enrolment=enrolment, sessions=_sessions(1)),
        lambda: enrolment_complete(actor=staff, enrolment=enrolment),
    ):
        with pytest.raises(ProviderNotActive):
            attempt()
    _set(world, Provider.Status.APPROVED)
    enrolment = enrolment_complete(actor=staff, enrolment=enrolment)
    _set(world, Provider.Status.SUSPENDED)
    with pytest.raises(ProviderNotActive):
        enrolment_record_outcome(
            actor=staff, enrolment=enrolment, outcome="employment", evidence="Job"
        )
    _set(world, Provider.Status.APPROVED)
    enrolment = enrolment_record_outcome(
        actor=staff,
        enrolment=enrolment,
        outcome="employment",
        evidence="Job at Acme",
        outcome_date=timezone.localdate(),
    )
    assert enrolment.outcome_verification == "pending"
    paid_before = balance(world.payable.pk)
    _set(world, Provider.Status.SUSPENDED)
    with pytest.raises(ProviderNotActive):
        outcome_verify(actor=world.officer, enrolment=enrolment, verified=True)
    assert balance(world.payable.pk) == paid_before
    # Rejecting pays nobody (the outcome share goes back to the learner), so it may go ahead.
    enrolment = outcome_verify(
        actor=world.officer, enrolment=enrolment, verified=False, reason="No contract shown"
    )
    assert enrolment.outcome_verification == "rejected"
    assert balance(world.payable.pk) == paid_before
    assert ledger_verify().ok


def test_a_suspended_provider_publishes_edits_and_invites_nothing() -> None:
    world = make_world()
    admin = ProviderMembershipFactory.create(provider=world.course.provider, role="admin").user
    _set(world, Provider.Status.SUSPENDED)
    attempts = [
        lambda: course_update(actor=admin, course=world.course, title="New title"),
        lambda: course_create(
            actor=admin,
            provider=world.course.provider,
            title="Another",
            summary="s",
            level=3,
            mode="online",
            region="West Midlands",
            guided_learning_hours=10,
            length_weeks=2,
            price=1000,
        ),
        lambda: cohort_create(
            actor=admin,
            course=world.course,
            start_date=world.cohort.start_date,
            end_date=world.cohort.end_date,
            application_deadline=world.cohort.application_deadline,
            capacity=5,
            online=True,
        ),
        lambda: provider_invite(
            actor=admin, provider=world.course.provider, email="new@example.org", role="staff"
        ),
    ]
    for attempt in attempts:
        with pytest.raises(ProviderNotActive):
            attempt()
    world.course.refresh_from_db()
    assert world.course.title == "Data Analyst Bootcamp"
    assert not mail.outbox


def test_a_provider_awaiting_approval_prepares_drafts_but_publishes_nothing() -> None:
    provider = ProviderFactory.create(status=Provider.Status.PENDING)
    admin = ProviderMembershipFactory.create(provider=provider, role="admin").user
    fields = {
        "title": "Cloud basics",
        "summary": "s",
        "level": 3,
        "mode": "online",
        "region": "West Midlands",
        "guided_learning_hours": 10,
        "length_weeks": 2,
        "price": 1000,
    }
    course = course_create(actor=admin, provider=provider, **fields)
    assert course.status == "draft"
    with pytest.raises(ProviderNotActive):
        course_update(actor=admin, course=course, status="published")
    with pytest.raises(ProviderNotActive):
        course_create(actor=admin, provider=provider, **{**fields, "status": "published"})


def test_learners_with_money_held_are_told_of_the_suspension_and_the_reinstatement(
    django_capture_on_commit_callbacks: Any,
) -> None:
    world = make_world()
    held = _accepted(world)
    applicant = world.learner()
    from enrolments.services import enrolment_apply

    enrolment_apply(actor=applicant, cohort=world.cohort)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        _set(world, Provider.Status.SUSPENDED)
    assert [m.to for m in mail.outbox] == [[held.learner.email]]
    assert "suspended" in mail.outbox[0].subject
    assert "your funds are safe" in mail.outbox[0].subject
    assert "\n" not in mail.outbox[0].subject
    message = mail.outbox[0]
    assert isinstance(message, EmailMultiAlternatives)
    assert message.alternatives  # an HTML part beside the text
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        _set(world, Provider.Status.APPROVED)
    assert [m.to for m in mail.outbox] == [[held.learner.email]]
    assert "approved again" in mail.outbox[0].subject


def test_the_funder_may_cancel_a_frozen_providers_enrolment_and_return_the_held_money() -> None:
    world = make_world(price=400_000, allowance=400_000)
    staff = world.provider_staff.user
    enrolment = _accepted(world)
    enrolment = enrolment_record_start(actor=staff, enrolment=enrolment)
    enrolment = enrolment_confirm_start(actor=enrolment.learner, enrolment=enrolment)
    assert balance(world.payable.pk) == 180_000

    with pytest.raises(ProviderStillApproved):
        enrolment_cancel_by_funder(actor=world.officer, enrolment=enrolment, reason="Fraud")

    _set(world, Provider.Status.SUSPENDED)
    cancelled = enrolment_cancel_by_funder(
        actor=world.officer, enrolment=enrolment, reason="Provider under investigation"
    )
    assert cancelled.status == "cancelled"
    assert held(enrolment) == 0
    assert balance(world.payable.pk) == 180_000  # paid before the suspension: stays paid
    pots = sum(p.account.balance for p in enrolment.learner.wallet.pots.select_related("account"))
    assert pots == 220_000
    world.cohort.refresh_from_db()
    assert world.cohort.seats_taken == 0
    assert ledger_verify().ok


def test_the_funder_cancel_over_http_is_for_officers_of_that_funder() -> None:
    world = make_world(price=400_000, allowance=400_000)
    enrolment = _accepted(world)
    _set(world, Provider.Status.SUSPENDED)
    url = f"/api/v1/funder/enrolments/{enrolment.pk}/cancel"

    outsider = client_for(make_world().officer, mfa=True)
    assert outsider.post(url, {"reason": "x"}, format="json").status_code == 404
    learner = client_for(enrolment.learner)
    assert learner.post(url, {"reason": "x"}, format="json").status_code in (403, 404)

    officer = client_for(world.officer, mfa=True)
    refused = officer.post(url, {}, format="json")
    assert refused.status_code == 400
    answer = officer.post(
        url, {"reason": "Provider suspended"}, format="json", headers={"Idempotency-Key": "c-1"}
    )
    assert answer.status_code == 200, answer.json()
    assert answer.json()["status"] == "cancelled"
    again = officer.post(
        url, {"reason": "Provider suspended"}, format="json", headers={"Idempotency-Key": "c-1"}
    )
    assert again.json() == answer.json()
    assert ledger_verify().ok


def test_refusals_carry_their_code_over_http() -> None:
    world = make_world()
    enrolment = _accepted(world)
    _set(world, Provider.Status.SUSPENDED)
    provider = client_for(world.provider_staff.user, mfa=True)
    answer = provider.post(f"/api/v1/provider/enrolments/{enrolment.pk}/start")
    assert answer.status_code == 422
    assert answer.json()["code"] == "provider_not_active"
    assert isinstance(ProviderNotActive(), DomainError)
