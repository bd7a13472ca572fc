"""A bulk grant import whose process is killed (SIGKILL) mid-way resumes and credits once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from tests.factories import make_programme
from tests.faults.postgres import database_url
from tests.wallets.import_helpers import assert_credited_once, budget_balance, csv_of, make_learners
from wallets.models import Grant, GrantImport
from wallets.services.imports import grant_import_create, grant_import_run
from wallets.verification import ledger_verify

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]
ROWS, BATCH, BUDGET = 60, 5, 1_000_000


def test_an_import_killed_in_the_middle_resumes_and_credits_every_row_once() -> None:
    programme = make_programme(budget=BUDGET, allowance=1_000)
    officer = programme.funder.memberships.get().user
    learners = make_learners(ROWS)
    grant_import = grant_import_create(
        actor=officer, programme=programme, stream=csv_of(learners), enqueue=False
    )
    assert grant_import.status == GrantImport.Status.POSTING
    env = {
        **os.environ,
        "DATABASE_URL": database_url(connection.settings_dict["NAME"]),
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
    }
    process = subprocess.Popen(  # noqa: S603 - our own manage.py, fixed arguments
        [
            sys.executable,
            "manage.py",
            "grants_import",
            "--resume",
            str(grant_import.pk),
            "--batch-size",
            str(BATCH),
            "--pause",
            "0.3",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            grant_import.refresh_from_db()
            if grant_import.rows_done >= 2 * BATCH:
                break
            assert process.poll() is None, "the import process ended before it was killed"
            time.sleep(0.05)
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == -signal.SIGKILL
    grant_import.refresh_from_db()
    assert 2 * BATCH <= grant_import.rows_done < ROWS
    assert grant_import.status == GrantImport.Status.POSTING
    posted = Grant.objects.filter(programme=programme).count()
    assert posted == grant_import.rows_done  # the checkpoint commits with its batch
    assert ledger_verify().ok

    final = grant_import_run(grant_import.pk, size=BATCH)
    assert final.status == GrantImport.Status.DONE
    assert final.rows_done == ROWS
    assert final.skipped_rows == 0
    assert_credited_once(programme, learners, 1_000)
    assert budget_balance(programme) == BUDGET - ROWS * 1_000
    assert ledger_verify().ok
