"""PgBouncer (transaction mode) restarts in the middle of a load of grants: every client sees
a clean 503 with the error body (never a 500), nothing is half-written, and retrying with the
same `Idempotency-Key` once it is back grants each learner exactly once.

"In the middle" is made exact with a lock: another session (straight to PostgreSQL) locks the
programme's budget account, so every grant waits inside its transaction, behind PgBouncer,
when PgBouncer is shut down."""

from __future__ import annotations

import time
from functools import partial
from typing import Any

import pytest
from django.db import connection
from rest_framework.test import APIClient

from tests.factories import UserFactory, make_programme
from tests.faults.postgres import InThread, connect
from tests.helpers import sign_in_with_totp
from tests.pgbouncer import through_pgbouncer
from users.models import User
from wallets.models import FundingProgramme, Grant, LedgerTransaction
from wallets.verification import ledger_verify

pytestmark = pytest.mark.django_db(transaction=True)
LEARNERS = 4


def grant(token: str, programme: FundingProgramme, learner: User) -> Any:
    officer = APIClient()  # one client per request: requests run in parallel threads
    officer.credentials(HTTP_X_SESSION_TOKEN=token)
    url = f"/api/v1/funder/programmes/{programme.pk}/grants"
    key = f"grant-{learner.pk}"
    return officer.post(
        url, {"learner_email": learner.email}, format="json", headers={"Idempotency-Key": key}
    )


def wait_for_waiters(watcher: Any, count: int, timeout: float = 60) -> None:
    """Until `count` sessions of the test database wait on a lock (ours, or one another's)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        row = watcher.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND cardinality(pg_blocking_pids(pid)) > 0"
        ).fetchone()
        if row and row[0] >= count:
            return
        time.sleep(0.01)
    raise AssertionError(f"fewer than {count} sessions waited on the lock")


def test_a_pgbouncer_restart_mid_load_gives_clean_503s_and_retries_grant_once() -> None:
    programme = make_programme(budget=10_000_000, allowance=100_000)
    token = sign_in_with_totp(programme.funder.memberships.get().user)
    officer = APIClient()
    officer.credentials(HTTP_X_SESSION_TOKEN=token)
    learners = [UserFactory.create() for _ in range(LEARNERS)]
    transactions_before = LedgerTransaction.objects.count()
    connection.ensure_connection()  # this thread's connection stays direct

    with connect() as locker, connect() as watcher, through_pgbouncer() as bouncer:
        read = f"/api/v1/funder/programmes/{programme.pk}"
        ok = InThread(lambda: officer.get(read)).result()
        assert ok.status_code == 200  # the app works through PgBouncer

        with locker.transaction():
            locker.execute(
                "SELECT id FROM wallets_ledgeraccount WHERE id = %s FOR UPDATE",
                [programme.budget_account_id],
            )
            load = [InThread(partial(grant, token, programme, who)) for who in learners]
            wait_for_waiters(watcher, LEARNERS)
            bouncer.stop()
        cut_off = [request.result() for request in load]
        while_down = InThread(lambda: grant(token, programme, learners[0])).result()

        for response in [*cut_off, while_down]:
            assert response.status_code == 503, response.content
            assert response["Retry-After"]
            assert response.json()["code"] == "service_unavailable"
        assert not Grant.objects.filter(programme=programme).exists()  # nothing half-written

        bouncer.start()
        retried = [InThread(partial(grant, token, programme, who)) for who in learners]
        answers = [request.result() for request in retried]
        assert [answer.status_code for answer in answers] == [201] * LEARNERS
        again = InThread(lambda: grant(token, programme, learners[0])).result()
        assert again.status_code == 201
        assert again["Idempotent-Replayed"] == "true"
        assert again.json() == answers[0].json()

    assert Grant.objects.filter(programme=programme).count() == LEARNERS
    assert LedgerTransaction.objects.count() == transactions_before + LEARNERS
    assert ledger_verify().ok
