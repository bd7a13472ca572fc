"""Database faults that are nobody's mistake: retried where we own the transaction, else 503.

Deadlocks and serialization failures are retried (the whole transaction, at most three
times); a lock or statement timeout or a lost connection answers 503 with `Retry-After` and
the error body, and changes nothing. Every fault here is a real one from PostgreSQL.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.db import DatabaseError, OperationalError, connection, transaction
from rest_framework.test import APIClient

from core.db import is_transient, retry_on_transient_conflict, sqlstate_of
from core.models import IdempotencyRecord
from tests.concurrency import run_concurrently
from tests.factories import make_programme
from tests.helpers import client_for
from tests.wallets.ledger_helpers import new_account
from wallets.models import FundingProgramme, LedgerAccount
from wallets.verification import ledger_verify


def raise_sqlstate(state: str) -> None:
    """Make PostgreSQL raise an error with this SQLSTATE in the current transaction."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"DO $$ BEGIN RAISE EXCEPTION 'test fault' USING ERRCODE = '{state}'; END $$"
        )


def budget(programme: FundingProgramme) -> int:
    return LedgerAccount.objects.get(pk=programme.budget_account_id).balance


@contextmanager
def row_locked(table: str, row_id: int) -> Iterator[None]:
    """Hold a row lock from another connection, as a long transaction elsewhere would."""
    other = connection.get_new_connection(connection.get_connection_params())
    try:
        with other.cursor() as cursor:
            cursor.execute(f"SELECT 1 FROM {table} WHERE id = %s FOR UPDATE", [row_id])  # noqa: S608
        yield
    finally:
        other.rollback()
        other.close()


@contextmanager
def session_setting(name: str, value: str) -> Iterator[None]:
    with connection.cursor() as cursor:
        cursor.execute(f"SET {name} = '{value}'")
    try:
        yield
    finally:
        if connection.connection is not None and not connection.connection.closed:
            with connection.cursor() as cursor:
                cursor.execute(f"RESET {name}")


# --- Retrying ----------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("state", ["40P01", "40001"])
def test_deadlocks_and_serialization_failures_are_retried_by_the_transactions_owner(
    state: str,
) -> None:
    account = new_account()
    attempts: list[int] = []

    def run() -> str:
        with transaction.atomic():
            LedgerAccount.objects.select_for_update().get(pk=account.pk)
            attempts.append(1)
            if len(attempts) < 3:
                raise_sqlstate(state)
            return "done"

    assert retry_on_transient_conflict(run) == "done"
    assert len(attempts) == 3


@pytest.mark.django_db(transaction=True)
def test_retries_stop_after_three_attempts() -> None:
    attempts: list[int] = []

    def run() -> None:
        with transaction.atomic():
            attempts.append(1)
            raise_sqlstate("40001")

    with pytest.raises(DatabaseError) as info:
        retry_on_transient_conflict(run)
    assert sqlstate_of(info.value) == "40001"
    assert len(attempts) == 3


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("state", ["23505", "22003", "55P03"])
def test_other_errors_are_not_retried(state: str) -> None:
    attempts: list[int] = []

    def run() -> None:
        with transaction.atomic():
            attempts.append(1)
            raise_sqlstate(state)

    with pytest.raises(DatabaseError):
        retry_on_transient_conflict(run)
    assert len(attempts) == 1


@pytest.mark.django_db
def test_inside_a_callers_transaction_it_runs_once() -> None:
    attempts: list[int] = []

    def run() -> None:
        with transaction.atomic():
            attempts.append(1)
            raise_sqlstate("40P01")

    with pytest.raises(DatabaseError):
        retry_on_transient_conflict(run)
    assert len(attempts) == 1


@pytest.mark.django_db(transaction=True)
def test_a_real_deadlock_between_two_transactions_is_retried_and_both_complete() -> None:
    first, second = new_account(), new_account()
    both_hold_one = threading.Barrier(2)
    attempts: list[str] = []

    def lock_in_order(a: LedgerAccount, b: LedgerAccount, name: str) -> Callable[[], str]:
        def run() -> str:
            def attempt() -> str:
                with transaction.atomic():
                    attempts.append(name)
                    LedgerAccount.objects.select_for_update().get(pk=a.pk)
                    if len(attempts) <= 2:  # the first two attempts cross on purpose
                        both_hold_one.wait(timeout=30)
                    LedgerAccount.objects.select_for_update().get(pk=b.pk)
                    return name

            return retry_on_transient_conflict(attempt)

        return run

    results = run_concurrently(
        [lock_in_order(first, second, "ab"), lock_in_order(second, first, "ba")]
    )
    assert sorted(results) == ["ab", "ba"]
    assert len(attempts) >= 3  # PostgreSQL chose a victim, which ran again


# --- Classifying -------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("state", "transient"),
    [
        ("40P01", True),
        ("40001", True),
        ("55P03", True),
        ("57014", True),
        ("08006", True),
        ("23505", False),
        ("22003", False),
        ("42P01", False),
    ],
)
def test_which_database_errors_are_transient(state: str, transient: bool) -> None:
    with pytest.raises(DatabaseError) as info, transaction.atomic():
        raise_sqlstate(state)
    assert sqlstate_of(info.value) == state
    assert is_transient(info.value) is transient


# --- Over HTTP ---------------------------------------------------------------------------------


def after_funding(monkeypatch: pytest.MonkeyPatch, then: Callable[[], None]) -> None:
    """Run `then` inside the funding request, right after the money was posted."""
    from wallets.apis import programmes

    original = programmes.programme_fund

    def funding_then(**kwargs: Any) -> int:
        transaction_id = original(**kwargs)
        then()
        return transaction_id

    monkeypatch.setattr(programmes, "programme_fund", funding_then)


def _officer(programme: FundingProgramme) -> APIClient:
    return client_for(programme.funder.memberships.get().user, mfa=True)


def _fund(officer: APIClient, programme: FundingProgramme, key: str = "fund-1") -> Any:
    return officer.post(
        f"/api/v1/funder/programmes/{programme.pk}/fund",
        {"amount": 50_000},
        format="json",
        headers={"Idempotency-Key": key},
    )


def _assert_busy(response: Any) -> None:
    assert response.status_code == 503, response.content
    assert response["Retry-After"] == "2"
    body = response.json()
    assert body["code"] == "service_unavailable"
    assert body["extra"] == {"retry_after_seconds": 2}
    assert "lock" not in body["detail"].lower()  # nothing of PostgreSQL's message


@pytest.mark.django_db(transaction=True)
def test_a_lock_timeout_answers_503_and_changes_nothing() -> None:
    programme = make_programme(budget=1_000_000)
    officer = _officer(programme)
    with (
        row_locked("wallets_ledgeraccount", programme.budget_account_id),
        session_setting("lock_timeout", "200ms"),
    ):
        _assert_busy(_fund(officer, programme))
    assert budget(programme) == 1_000_000
    assert not IdempotencyRecord.objects.exists()
    retry = _fund(officer, programme)
    assert retry.status_code == 201
    assert budget(programme) == 1_050_000


@pytest.mark.django_db(transaction=True)
def test_a_statement_timeout_answers_503_and_changes_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    programme = make_programme(budget=1_000_000)
    officer = _officer(programme)

    def slow() -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_sleep(2)")

    after_funding(monkeypatch, slow)
    with session_setting("statement_timeout", "100ms"):
        _assert_busy(_fund(officer, programme))
    assert budget(programme) == 1_000_000


@pytest.mark.django_db(transaction=True)
def test_a_lost_connection_answers_503_and_changes_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    programme = make_programme(budget=1_000_000)
    officer = _officer(programme)

    def lost() -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(pg_backend_pid())")

    after_funding(monkeypatch, lost)
    _assert_busy(_fund(officer, programme))
    monkeypatch.undo()
    connection.close()
    assert budget(programme) == 1_000_000
    assert _fund(officer, programme).status_code == 201


@pytest.mark.django_db(transaction=True)
def test_a_serialization_failure_in_a_money_request_is_retried_and_moves_money_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from wallets.apis import programmes

    programme = make_programme(budget=1_000_000)
    officer = _officer(programme)
    original = programmes.programme_fund
    calls: list[int] = []

    def conflicting_once(**kwargs: Any) -> int:
        transaction_id = original(**kwargs)  # the money moves inside the request...
        calls.append(transaction_id)
        if len(calls) == 1:
            raise_sqlstate("40001")  # ...then PostgreSQL aborts the transaction
        return transaction_id

    monkeypatch.setattr(programmes, "programme_fund", conflicting_once)
    response = _fund(officer, programme)
    assert response.status_code == 201, response.json()
    assert len(calls) == 2
    assert budget(programme) == 1_050_000
    assert IdempotencyRecord.objects.count() == 1
    assert ledger_verify().ok


def test_an_error_without_a_server_answer_is_transient() -> None:
    assert is_transient(OperationalError("server closed the connection unexpectedly"))
    assert not is_transient(ValueError("not a database error"))
