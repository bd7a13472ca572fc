"""`Idempotency-Key` holds after a crash, is scoped per user and operation, and expires.

The request runs in one transaction that claims the key, moves the money and stores the
answer: the effect and its stored answer commit together or not at all. So a retry after a
lost response replays the first answer (never 409, never a second effect), and a retry after
a connection lost before the commit runs the request afresh, once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from django.db import connection, transaction
from django.utils import timezone
from rest_framework.test import APIClient

from core.models import IdempotencyRecord
from core.tasks import expire_idempotency_records
from tests.concurrency import run_concurrently
from tests.factories import FunderMembershipFactory, UserFactory, make_programme
from tests.helpers import client_for
from wallets.models import FundingProgramme, Grant, LedgerAccount, LedgerTransaction
from wallets.verification import ledger_verify

KEY = {"Idempotency-Key": "fund-2026-11"}


def budget(programme: FundingProgramme) -> int:
    return LedgerAccount.objects.get(pk=programme.budget_account_id).balance


def fund(client: APIClient, programme: FundingProgramme, amount: int, key: str) -> Any:
    return client.post(
        f"/api/v1/funder/programmes/{programme.pk}/fund",
        {"amount": amount},
        format="json",
        headers={"Idempotency-Key": key},
    )


def kill_own_connection() -> None:
    """The database connection dies, as when the server restarts or the network drops."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(pg_backend_pid())")


def wrap(monkeypatch: pytest.MonkeyPatch, target: str, after: Callable[[], None]) -> None:
    """Call `after` right after the real `target` (a module attribute) returns."""
    module, _, name = target.rpartition(".")
    original = getattr(__import__(module, fromlist=[name]), name)

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        result = original(*args, **kwargs)
        after()
        return result

    monkeypatch.setattr(target, wrapped)


# --- After a crash -----------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_retry_after_a_lost_response_replays_the_first_answer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    programme = make_programme(budget=1_000_000)
    officer = client_for(programme.funder.memberships.get().user, mfa=True)
    # The money and the stored answer commit; then the connection dies before the answer
    # leaves the server: the client sees an error, not the 201.
    wrap(
        monkeypatch,
        "wallets.apis.programmes.programme_fund",
        lambda: transaction.on_commit(kill_own_connection),
    )
    lost = fund(officer, programme, 50_000, "fund-2026-11")
    assert lost.status_code == 503
    monkeypatch.undo()
    connection.close()  # the retry reaches a fresh worker
    assert budget(programme) == 1_050_000  # the money moved

    retry = fund(officer, programme, 50_000, "fund-2026-11")
    assert retry.status_code == 201, retry.json()
    assert retry["Idempotent-Replayed"] == "true"
    assert retry.json()["budget_balance"] == 1_050_000
    assert budget(programme) == 1_050_000  # and only once
    # make_programme's funding, and this one once.
    assert LedgerTransaction.objects.filter(kind="programme_funding").count() == 2
    assert ledger_verify().ok


@pytest.mark.django_db(transaction=True)
def test_a_connection_lost_before_the_commit_moves_nothing_and_the_retry_runs_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    programme = make_programme(budget=1_000_000)
    officer = client_for(programme.funder.memberships.get().user, mfa=True)
    # The money has been posted inside the request's transaction when the connection dies.
    wrap(monkeypatch, "wallets.apis.programmes.programme_fund", kill_own_connection)
    lost = fund(officer, programme, 50_000, "fund-2026-11")
    assert lost.status_code == 503
    assert lost.json()["code"] == "service_unavailable"
    assert lost["Retry-After"]
    monkeypatch.undo()
    connection.close()
    assert budget(programme) == 1_000_000
    assert not IdempotencyRecord.objects.exists()

    retry = fund(officer, programme, 50_000, "fund-2026-11")
    assert retry.status_code == 201, retry.json()
    assert "Idempotent-Replayed" not in retry
    assert budget(programme) == 1_050_000
    again = fund(officer, programme, 50_000, "fund-2026-11")
    assert again["Idempotent-Replayed"] == "true"
    assert budget(programme) == 1_050_000
    assert ledger_verify().ok


@pytest.mark.django_db
def test_when_the_answer_cannot_be_stored_the_money_does_not_move() -> None:
    programme = make_programme(budget=1_000_000, allowance=300_000)
    officer_user = programme.funder.memberships.get().user
    client_for(officer_user, mfa=True)
    learner = UserFactory.create()
    table = IdempotencyRecord._meta.db_table
    with connection.cursor() as cursor:
        # The database refuses to store the answer (as a full disk would).
        cursor.execute(
            "CREATE FUNCTION test_refuse_answer() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN RAISE EXCEPTION 'could not extend file' USING ERRCODE = '53100'; END $$"
        )
        cursor.execute(
            f"CREATE TRIGGER test_refuse_answer BEFORE UPDATE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION test_refuse_answer()"
        )
    client = client_for(officer_user, mfa=True)
    client.raise_request_exception = False
    url = f"/api/v1/funder/programmes/{programme.pk}/grants"
    body = {"learner_email": learner.email}
    failed = client.post(url, body, format="json", headers={"Idempotency-Key": "g-1"})
    assert failed.status_code == 500
    assert failed.json()["code"] == "server_error"
    assert not Grant.objects.exists()
    assert budget(programme) == 1_000_000
    assert not IdempotencyRecord.objects.exists()

    with connection.cursor() as cursor:
        cursor.execute(f"DROP TRIGGER test_refuse_answer ON {table}")
    retry = client.post(url, body, format="json", headers={"Idempotency-Key": "g-1"})
    assert retry.status_code == 201
    assert "Idempotent-Replayed" not in retry
    assert Grant.objects.count() == 1
    assert budget(programme) == 700_000


# --- Scope: per user and per operation ---------------------------------------------------------


@pytest.mark.django_db
def test_two_officers_using_the_same_key_value_each_get_their_own_effect() -> None:
    programme = make_programme(budget=1_000_000)
    first = client_for(programme.funder.memberships.get().user, mfa=True)
    colleague = client_for(FunderMembershipFactory.create(funder=programme.funder).user, mfa=True)
    one = fund(first, programme, 50_000, "monthly-top-up")
    two = fund(colleague, programme, 50_000, "monthly-top-up")
    assert (one.status_code, two.status_code) == (201, 201)
    assert "Idempotent-Replayed" not in two
    assert one.json()["transaction_id"] != two.json()["transaction_id"]
    assert budget(programme) == 1_100_000  # funded twice
    assert IdempotencyRecord.objects.filter(key="monthly-top-up").count() == 2


@pytest.mark.django_db
def test_one_key_on_two_operations_is_two_requests() -> None:
    programme = make_programme(budget=1_000_000, allowance=300_000)
    officer = client_for(programme.funder.memberships.get().user, mfa=True)
    learner = UserFactory.create()
    funded = fund(officer, programme, 50_000, "batch-7")
    granted = officer.post(
        f"/api/v1/funder/programmes/{programme.pk}/grants",
        {"learner_email": learner.email},
        format="json",
        headers={"Idempotency-Key": "batch-7"},
    )
    assert (funded.status_code, granted.status_code) == (201, 201), granted.json()
    assert "Idempotent-Replayed" not in granted
    assert Grant.objects.get().learner == learner
    assert budget(programme) == 1_050_000 - 300_000


@pytest.mark.django_db
def test_a_refused_request_keeps_no_answer_and_its_key_can_be_used_again() -> None:
    programme = make_programme(budget=100_000, allowance=300_000)
    officer = client_for(programme.funder.memberships.get().user, mfa=True)
    learner = UserFactory.create()
    url = f"/api/v1/funder/programmes/{programme.pk}/grants"
    body = {"learner_email": learner.email}
    refused = officer.post(url, body, format="json", headers={"Idempotency-Key": "g-1"})
    assert refused.status_code == 422
    assert refused.json()["code"] == "budget_exhausted"
    assert not IdempotencyRecord.objects.exists()
    assert fund(officer, programme, 500_000, "top-up").status_code == 201
    granted = officer.post(url, body, format="json", headers={"Idempotency-Key": "g-1"})
    assert granted.status_code == 201
    assert "Idempotent-Replayed" not in granted


# --- Two requests with one key at once ---------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_fundings_with_one_key_at_once_move_money_once_and_answer_alike() -> None:
    programme = make_programme(budget=1_000_000)
    officer = programme.funder.memberships.get().user
    client_for(officer, mfa=True)

    def call() -> Any:
        client = client_for(officer, mfa=True)  # signed in once, before the threads
        response = fund(client, programme, 50_000, "same-key")
        return response.status_code, response.json(), response.get("Idempotent-Replayed")

    results = run_concurrently([call, call, call])
    assert [r for r in results if isinstance(r, BaseException)] == []
    assert [status for status, _, _ in results] == [201, 201, 201]
    assert results[0][1] == results[1][1] == results[2][1]
    assert sorted(str(flag) for _, _, flag in results) == ["None", "true", "true"]
    assert budget(programme) == 1_050_000
    assert ledger_verify().ok


@pytest.mark.django_db(transaction=True)
def test_two_grants_with_one_key_at_once_grant_once_and_answer_alike() -> None:
    programme = make_programme(budget=1_000_000, allowance=300_000)
    officer = programme.funder.memberships.get().user
    client_for(officer, mfa=True)
    learner = UserFactory.create()

    def call() -> Any:
        client = client_for(officer, mfa=True)  # signed in once, before the threads
        response = client.post(
            f"/api/v1/funder/programmes/{programme.pk}/grants",
            {"learner_email": learner.email},
            format="json",
            headers={"Idempotency-Key": "grant-ada"},
        )
        return response.status_code, response.json()

    results = run_concurrently([call, call])
    assert [r for r in results if isinstance(r, BaseException)] == []
    assert [status for status, _ in results] == [201, 201], results
    assert results[0][1] == results[1][1]
    assert Grant.objects.count() == 1
    assert budget(programme) == 700_000


# --- Expiry ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_expired_answer_frees_its_key(settings: Any) -> None:
    settings.IDEMPOTENCY_TTL_HOURS = 24
    programme = make_programme(budget=1_000_000)
    officer = client_for(programme.funder.memberships.get().user, mfa=True)
    assert fund(officer, programme, 50_000, "monthly").status_code == 201
    conflict = fund(officer, programme, 70_000, "monthly")
    assert conflict.status_code == 409
    with time_machine.travel(timezone.now() + dt.timedelta(hours=24, seconds=1)):
        again = fund(officer, programme, 70_000, "monthly")
        assert again.status_code == 201, again.json()
        assert "Idempotent-Replayed" not in again
        replay = fund(officer, programme, 70_000, "monthly")
        assert replay["Idempotent-Replayed"] == "true"
    assert budget(programme) == 1_120_000
    assert IdempotencyRecord.objects.count() == 1


@pytest.mark.django_db
def test_the_expiry_task_deletes_old_answers_only(settings: Any) -> None:
    settings.IDEMPOTENCY_TTL_HOURS = 24
    programme = make_programme(budget=1_000_000)
    officer = client_for(programme.funder.memberships.get().user, mfa=True)
    start = timezone.now()
    with time_machine.travel(start):
        fund(officer, programme, 1_000, "old")
    with time_machine.travel(start + dt.timedelta(hours=20)):
        fund(officer, programme, 1_000, "recent")
    with time_machine.travel(start + dt.timedelta(hours=25)):
        assert expire_idempotency_records.delay().get() == 1
        assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["recent"]
        assert expire_idempotency_records.delay().get() == 0
        # The old key is free again; the recent one still replays.
        assert "Idempotent-Replayed" not in fund(officer, programme, 1_000, "old")
        assert fund(officer, programme, 1_000, "recent")["Idempotent-Replayed"] == "true"
