"""The ledger through PgBouncer in transaction mode (Debian's `pgbouncer`, started here on a
free loopback port in front of the test database): postings, an idempotent replay and a
concurrent burst, with the settings DATABASE_POOL_MODE=transaction gives."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection, connections

from config.database import apply_pool_mode
from tests.concurrency import run_concurrently
from tests.wallets.ledger_helpers import funded, new_account
from wallets.errors import InsufficientFunds
from wallets.ledger import Posting, ledger_post
from wallets.models import LedgerEntry
from wallets.verification import ledger_verify

pytestmark = pytest.mark.django_db(transaction=True)


def _pgbouncer() -> str:
    found = shutil.which("pgbouncer") or next(
        (p for p in ("/usr/sbin/pgbouncer", "/usr/bin/pgbouncer") if os.access(p, os.X_OK)), None
    )
    if found is None:
        if os.environ.get("CI") == "true":
            pytest.fail("pgbouncer is not installed: .ci/run installs Debian's pgbouncer")
        pytest.skip("pgbouncer is not installed here (apt-get install pgbouncer); CI runs this")
    return found


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
def through_pgbouncer() -> Iterator[dict[str, Any]]:
    binary = _pgbouncer()
    settings = connection.settings_dict
    host, port = settings["HOST"] or "127.0.0.1", settings["PORT"] or 5432
    listen = _free_port()
    with tempfile.TemporaryDirectory() as folder:
        workdir = Path(folder)
        (workdir / "users.txt").write_text(f'"{settings["USER"] or "postgres"}" ""\n')
        (workdir / "pgbouncer.ini").write_text(
            f"""[databases]
* = host={host} port={port}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {listen}
unix_socket_dir =
auth_type = trust
auth_file = {workdir / "users.txt"}
pool_mode = transaction
max_client_conn = 200
default_pool_size = 4
ignore_startup_parameters = extra_float_digits,options
log_connections = 0
log_disconnections = 0
"""
        )
        command = [binary, str(workdir / "pgbouncer.ini")]
        if os.geteuid() == 0:  # pgbouncer refuses to run as root
            os.chmod(folder, 0o755)  # noqa: S103 - a scratch folder the pooler's user reads
            command[1:1] = ["-u", "postgres"]
        saved = dict(settings)
        log = (workdir / "pgbouncer.log").open("wb")
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603
        try:
            deadline = time.monotonic() + 10
            while True:
                with socket.socket() as probe:
                    if probe.connect_ex(("127.0.0.1", listen)) == 0:
                        break
                if process.poll() is not None or time.monotonic() > deadline:
                    log.flush()
                    pytest.fail(
                        f"pgbouncer did not start: {(workdir / 'pgbouncer.log').read_text()}"
                    )
                time.sleep(0.05)
            connections.close_all()
            settings.update({"HOST": "127.0.0.1", "PORT": listen})
            apply_pool_mode(settings, "transaction")
            yield {"port": listen}
        finally:
            connections.close_all()
            settings.clear()
            settings.update(saved)
            process.terminate()
            process.wait(timeout=10)
            log.close()


def _server_port() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT inet_server_port()")
        port: int = cursor.fetchone()[0]
        return port


def test_ledger_posts_replays_and_bursts_through_pgbouncer(through_pgbouncer: dict) -> None:
    # The client talks to the pooler; the pooler to PostgreSQL.
    assert connection.settings_dict["PORT"] == through_pgbouncer["port"]
    assert connection.settings_dict["OPTIONS"]["prepare_threshold"] is None
    assert _server_port() != through_pgbouncer["port"]

    pot = funded(100_000)
    provider = new_account(kind="provider_payable")

    # A posting, then the same request again: replayed, money moved once.
    first = ledger_post(
        kind="spend",
        currency="GBP",
        lines=[(pot.pk, -1_000), (provider.pk, 1_000)],
        idempotency_key="through-pgbouncer",
    )
    again = ledger_post(
        kind="spend",
        currency="GBP",
        lines=[(pot.pk, -1_000), (provider.pk, 1_000)],
        idempotency_key="through-pgbouncer",
    )
    assert not first.replayed
    assert again.replayed
    assert again.transaction_id == first.transaction_id

    # The same statements many times over (psycopg would prepare them after 5 uses if
    # prepare_threshold allowed it; transaction pooling hands them other server sessions).
    for _ in range(12):
        ledger_post(kind="spend", currency="GBP", lines=[(pot.pk, -100), (provider.pk, 100)])

    # A burst: 120 threads (120 client connections), 4 server connections; the pot pays for
    # exactly 97 more of £10.
    def spend() -> Posting:
        return ledger_post(
            kind="spend", currency="GBP", lines=[(pot.pk, -1_000), (provider.pk, 1_000)]
        )

    results = run_concurrently([spend] * 40 * 3)
    others = [r for r in results if not isinstance(r, (Posting, InsufficientFunds))]
    assert others == []
    succeeded = sum(1 for r in results if isinstance(r, Posting))
    assert succeeded == (100_000 - 1_000 - 1_200) // 1_000
    pot.refresh_from_db()
    assert pot.balance == 100_000 - 1_000 - 1_200 - succeeded * 1_000
    assert sum(LedgerEntry.objects.filter(account=pot).values_list("amount", flat=True)) == (
        pot.balance
    )
    assert ledger_verify().ok
