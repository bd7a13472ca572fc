"""Conflicting operations at the same moment, over HTTP: never a 5xx, money exact.

Every enrolment path locks cohort → enrolment → pots → ledger accounts. Before that order held
everywhere, a learner confirming a start while the provider cancelled the cohort deadlocked
every time and answered 500 with PostgreSQL's message.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from django.db import connection, connections
from django.utils import timezone
from rest_framework.test import APIClient

from enrolments.models import Enrolment, MilestonePayment
from enrolments.services import (
    attendance_record,
    enrolment_accept,
    enrolment_complete,
    enrolment_confirm_start,
    enrolment_record_outcome,
    enrolment_record_start,
    enrolment_withdraw,
)
from tests.concurrency import run_concurrently
from tests.enrolments.helpers import World, held, make_world
from tests.factories import CohortFactory
from tests.helpers import client_for
from wallets.models import WalletPot
from wallets.services import pot_expire
from wallets.verification import ledger_verify

pytestmark = pytest.mark.django_db(transaction=True)
ROUNDS = 20
PRICE = 200_000


def _new_round(world: World) -> World:
    today = timezone.localdate()
    cohort = CohortFactory.create(
        course=world.course,
        capacity=5,
        start_date=today,
        end_date=today,
        application_deadline=today,
    )
    return dataclasses.replace(world, cohort=cohort)


def _started(world: World, *, confirmed: bool = True) -> Enrolment:
    enrolment = world.offered()
    enrolment = enrolment_accept(actor=enrolment.learner, enrolment=enrolment)
    enrolment = enrolment_record_start(actor=world.provider_staff.user, enrolment=enrolment)
    if confirmed:
        enrolment = enrolment_confirm_start(actor=enrolment.learner, enrolment=enrolment)
    return enrolment


def _completed(world: World) -> Enrolment:
    staff = world.provider_staff.user
    enrolment = _started(world)
    today = timezone.localdate()
    sessions = [(today, True)]
    enrolment = attendance_record(actor=staff, enrolment=enrolment, sessions=sessions)
    return enrolment_complete(actor=staff, enrolment=enrolment)


def _pots(enrolment: Enrolment) -> int:
    return sum(
        pot.account.balance
        for pot in WalletPot.objects.filter(wallet__learner_id=enrolment.learner_id).select_related(
            "account"
        )
    )


def _assert_money_exact(enrolments: list[Enrolment]) -> None:
    """Each learner's allowance is in their pots, their hold or (net) with the provider."""
    for stale in enrolments:
        enrolment = Enrolment.objects.get(pk=stale.pk)
        paid = sum(p.amount for p in MilestonePayment.objects.filter(enrolment=enrolment))
        in_escrow = held(enrolment)
        if enrolment.status == "cancelled":
            assert in_escrow == 0
            assert _pots(enrolment) == PRICE  # cohort cancelled: everything came back
        elif enrolment.status == "withdrawn":
            assert in_escrow == 0
            assert _pots(enrolment) + paid == PRICE
        else:
            assert _pots(enrolment) + in_escrow + paid == PRICE, enrolment.status
    assert ledger_verify().ok


def _post(client: APIClient, url: str, data: dict[str, Any] | None = None) -> Callable[[], int]:
    return lambda: client.post(url, data or {}, format="json").status_code


def _cancel(world: World, provider: APIClient) -> Callable[[], int]:
    return _post(provider, f"/api/v1/provider/cohorts/{world.cohort.pk}/cancel", {"reason": "Off"})


def _run_pair(
    world: World,
    provider: APIClient,
    setup: Callable[[World], tuple[list[Enrolment], Callable[[], int]]],
) -> None:
    for _ in range(ROUNDS):
        round_world = _new_round(world)
        enrolments, other = setup(round_world)
        statuses = run_concurrently([other, _cancel(round_world, provider)])
        assert all(isinstance(s, int) and s < 500 for s in statuses), statuses
        _assert_money_exact(enrolments)


@pytest.fixture
def world() -> World:
    return make_world(price=PRICE, allowance=PRICE, sample_rate="1")


@pytest.fixture
def provider(world: World) -> APIClient:
    return client_for(world.provider_staff.user, mfa=True)


def test_learner_confirms_the_start_while_the_provider_cancels_the_cohort(
    world: World, provider: APIClient
) -> None:
    def setup(w: World) -> tuple[list[Enrolment], Callable[[], int]]:
        paid = _started(w)  # an earlier paid milestone: cancelling claws it back first
        waiting = _started(w, confirmed=False)
        learner = client_for(waiting.learner)
        return [paid, waiting], _post(learner, f"/api/v1/enrolments/{waiting.pk}/confirm-start")

    _run_pair(world, provider, setup)


def test_learner_withdraws_while_the_provider_cancels_the_cohort(
    world: World, provider: APIClient
) -> None:
    def setup(w: World) -> tuple[list[Enrolment], Callable[[], int]]:
        paid = _started(w)
        leaving = _started(w)
        learner = client_for(leaving.learner)
        return [paid, leaving], _post(learner, f"/api/v1/enrolments/{leaving.pk}/withdraw")

    _run_pair(world, provider, setup)


def test_provider_completes_while_cancelling_the_cohort(world: World, provider: APIClient) -> None:
    def setup(w: World) -> tuple[list[Enrolment], Callable[[], int]]:
        paid = _started(w)
        finishing = _started(w)
        today = timezone.localdate().isoformat()
        provider.post(
            f"/api/v1/provider/enrolments/{finishing.pk}/attendance",
            {"sessions": [{"date": today, "present": True}]},
            format="json",
        )
        return [paid, finishing], _post(
            provider, f"/api/v1/provider/enrolments/{finishing.pk}/complete"
        )

    _run_pair(world, provider, setup)


def test_funder_verifies_an_outcome_while_the_provider_cancels_the_cohort(
    world: World, provider: APIClient
) -> None:
    funder = client_for(world.officer, mfa=True)

    def setup(w: World) -> tuple[list[Enrolment], Callable[[], int]]:
        paid = _started(w)
        sampled = enrolment_record_outcome(
            actor=w.provider_staff.user,
            enrolment=_completed(w),
            outcome="employment",
            evidence="Contract seen",
            outcome_date=timezone.localdate(),
        )
        url = f"/api/v1/funder/enrolments/{sampled.pk}/verify-outcome"
        return [paid, sampled], _post(funder, url, {"verified": True})

    _run_pair(world, provider, setup)


def test_learner_accepts_while_the_provider_cancels_the_cohort(
    world: World, provider: APIClient
) -> None:
    def setup(w: World) -> tuple[list[Enrolment], Callable[[], int]]:
        paid = _started(w)
        offered = w.offered()
        learner = client_for(offered.learner)
        return [paid, offered], _post(learner, f"/api/v1/enrolments/{offered.pk}/accept")

    _run_pair(world, provider, setup)


def test_a_hold_returned_while_its_pot_expires_is_never_stranded(world: World) -> None:
    """The hold return locks the pot before reading its expiry: money meant for a pot that is
    expiring at that moment goes to the programme, never into the swept pot."""
    for _ in range(ROUNDS):
        round_world = _new_round(world)
        enrolment = round_world.offered()
        enrolment = enrolment_accept(actor=enrolment.learner, enrolment=enrolment)
        pot = WalletPot.objects.get(wallet__learner=enrolment.learner)
        assert pot.expires_at is not None
        with time_machine.travel(pot.expires_at + dt.timedelta(seconds=1), tick=False):
            results = run_concurrently(
                [
                    functools.partial(
                        enrolment_withdraw, actor=enrolment.learner, enrolment=enrolment
                    ),
                    functools.partial(pot_expire, pot_id=pot.pk),
                ]
            )
        assert not [r for r in results if isinstance(r, BaseException)], results
        pot.refresh_from_db()
        assert pot.status == "expired"
        assert pot.account.balance == 0  # nothing stranded in an expired pot
    assert ledger_verify().ok


def test_a_lock_wait_that_times_out_answers_503_with_retry_after(world: World) -> None:
    enrolment = _started(world, confirmed=False)
    learner = client_for(enrolment.learner)
    other = connections.create_connection("default")  # a second session holds the lock
    try:
        other.set_autocommit(False)
        with other.cursor() as cursor:
            cursor.execute(
                "SELECT 1 FROM courses_cohort WHERE id = %s FOR UPDATE", [world.cohort.pk]
            )
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '200ms'")
        answer = learner.post(f"/api/v1/enrolments/{enrolment.pk}/confirm-start")
    finally:
        other.rollback()
        other.close()
        with connection.cursor() as cursor:
            cursor.execute("RESET lock_timeout")
    assert answer.status_code == 503
    assert answer["Retry-After"] == "2"
    assert answer.json()["code"] == "service_unavailable"
    enrolment.refresh_from_db()
    assert enrolment.learner_confirmed_start_at is None  # nothing changed
