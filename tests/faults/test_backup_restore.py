"""A backup restores: a database with the demo's activity (grants, holds, payments to the
provider, a deferral) is dumped with `pg_dump -Fc`, restored with `pg_restore` into a fresh
database, and there `migrate --check` and `ledger_verify` are clean; a restore whose ledger was
changed behind the triggers' back is caught (docs/operations.md, "Backups and restore")."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection

from tests.faults.postgres import client_binary, connect, libpq_env, manage, scratch_database
from wallets.models import LedgerEntry, LedgerTransaction
from wallets.verification import ledger_verify

pytestmark = pytest.mark.django_db(transaction=True)


def run(*command: str) -> None:
    result = subprocess.run(
        command, env=libpq_env(), capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr


def test_a_dump_with_demo_activity_restores_into_a_fresh_database_and_verifies_clean(
    settings: Any, tmp_path: Path
) -> None:
    settings.DEBUG = True  # demo_load runs only in local development
    call_command("demo_load", stdout=io.StringIO())
    entries, transactions = LedgerEntry.objects.count(), LedgerTransaction.objects.count()
    assert entries > 20
    assert ledger_verify().ok

    backup = tmp_path / "skills_wallet.dump"
    source = connection.settings_dict["NAME"]
    run(client_binary("pg_dump"), "--format=custom", "--no-owner", f"--file={backup}", source)

    with scratch_database() as restored:
        run(
            client_binary("pg_restore"),
            "--no-owner",
            "--exit-on-error",
            "-d",
            restored,
            str(backup),
        )

        migrations = manage("migrate", "--check", database=restored)
        assert migrations.returncode == 0, migrations.stdout + migrations.stderr
        verified = manage("ledger_verify", database=restored)
        assert verified.returncode == 0, verified.stdout + verified.stderr
        assert f"{entries} entries, {transactions} transactions" in verified.stdout
        assert "Ledger OK." in verified.stdout

        # Someone edits an amount in the restored copy with the triggers switched off.
        with connect(restored) as tamper:
            tamper.execute("SET session_replication_role = replica")
            tamper.execute(
                "UPDATE wallets_ledgerentry SET amount = amount + 1"
                " WHERE id = (SELECT min(id) FROM wallets_ledgerentry)"
            )
        caught = manage("ledger_verify", database=restored)
        assert caught.returncode != 0
        assert "Ledger verification failed" in caught.stderr
