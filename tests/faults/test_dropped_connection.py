"""The database connection drops in the middle of an acceptance (the wallet money moving into
escrow): PostgreSQL rolls the whole transaction back, so the seat, the enrolment, the hold and
the ledger still agree and nothing is half-written; the client gets a clean 503; and a retry
with the same `Idempotency-Key` runs once. A retry after a drop that came after the commit
(the client never saw the answer) returns the first answer.

The drop is made precise with a lock: another session locks every ledger account, the
acceptance (cohort and enrolment locked, its key claimed) waits on it, and that waiting
backend is terminated with `pg_terminate_backend`."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from core.models import IdempotencyRecord
from courses.models import Cohort
from enrolments.models import Enrolment, EnrolmentEvent
from tests.enrolments.helpers import World, held, make_world
from tests.faults.postgres import InThread, connect, terminate, waiting_on
from tests.helpers import client_for
from wallets.models import LedgerEntry, LedgerTransaction
from wallets.verification import ledger_verify

pytestmark = pytest.mark.django_db(transaction=True)
PRICE = 400_000


def state(world: World, enrolment: Enrolment) -> dict[str, Any]:
    """Everything an acceptance changes, read fresh."""
    enrolment.refresh_from_db()
    return {
        "status": enrolment.status,
        "held": held(enrolment),
        "seats_taken": Cohort.objects.get(pk=world.cohort.pk).seats_taken,
        "wallet": client_for(enrolment.learner).get("/api/v1/wallet").json()["totals"],
        "transactions": LedgerTransaction.objects.count(),
        "entries": LedgerEntry.objects.count(),
        "events": EnrolmentEvent.objects.filter(enrolment=enrolment).count(),
        "idempotency_records": IdempotencyRecord.objects.count(),
    }


def accept(enrolment: Enrolment, key: str) -> Any:
    client: APIClient = client_for(enrolment.learner)
    url = f"/api/v1/enrolments/{enrolment.pk}/accept"
    return client.post(url, {}, format="json", headers={"Idempotency-Key": key})


def test_a_connection_dropped_in_the_middle_of_an_acceptance_leaves_nothing_half_written() -> None:
    world = make_world(price=PRICE, allowance=PRICE)
    enrolment = world.offered()
    before = state(world, enrolment)
    assert before["status"] == "offered"
    assert before["wallet"] == {"GBP": PRICE}

    with connect() as locker, connect() as watcher, locker.transaction():
        locker.execute("SELECT id FROM wallets_ledgeraccount FOR UPDATE")
        request = InThread(lambda: accept(enrolment, "accept-1"))
        victim = waiting_on(watcher, locker.info.backend_pid)
        terminate(watcher, victim)
    response = request.result()

    assert response.status_code == 503
    assert response["Retry-After"]
    assert response.json()["code"] == "service_unavailable"
    assert state(world, enrolment) == before  # seat, enrolment, hold and ledger: untouched
    assert ledger_verify().ok

    retried = accept(enrolment, "accept-1")
    assert retried.status_code == 200, retried.json()
    assert "Idempotent-Replayed" not in retried  # the first attempt left nothing to replay
    after = state(world, enrolment)
    assert after["status"] == "accepted"
    assert after["held"] == PRICE
    assert after["seats_taken"] == before["seats_taken"] + 1
    assert after["wallet"] == {"GBP": 0}
    assert ledger_verify().ok


def test_a_retry_after_the_connection_dropped_past_the_commit_returns_the_first_answer() -> None:
    world = make_world(price=PRICE, allowance=PRICE)
    enrolment = world.offered()
    pids: list[int] = []

    def accept_then_lose_the_connection() -> Any:
        from django.db import connection

        response = accept(enrolment, "accept-2")
        pids.append(connection.connection.info.backend_pid)
        return response

    first = InThread(accept_then_lose_the_connection).result()
    assert first.status_code == 200
    committed = state(world, enrolment)
    # The client never saw `first` (its connection dropped); the server's went too.
    with connect() as watcher:
        alive = watcher.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", pids)
        if alive.fetchone() == (1,):
            terminate(watcher, pids[0])

    retried = InThread(lambda: accept(enrolment, "accept-2")).result()
    assert retried.status_code == 200
    assert retried["Idempotent-Replayed"] == "true"
    assert retried.json() == first.json()
    assert state(world, enrolment) == committed  # one hold, one seat, one posting
    assert committed["held"] == PRICE
    assert ledger_verify().ok
