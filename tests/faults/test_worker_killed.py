"""A worker killed in the middle of a money task: running the task again is safe and every
effect happens once.

A real worker process runs `wallets.expire_pots` (unspent grant money goes back to the
programme when a pot expires) over three expired pots. Another session holds the row lock
of one pot, so the worker stops there in the middle of that pot's transaction; the worker is
then killed with SIGKILL. The pots it finished stay finished, the one it was in the middle of
is untouched (PostgreSQL rolls back the dead session), and the next run expires what is
left: one `pot_expiry` posting per pot, the budget credited once, the ledger verified."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys

import pytest
from django.db.models import Sum
from django.utils import timezone

from tests.factories import UserFactory, make_programme
from tests.faults.postgres import ROOT, connect, database_url, waiting_on
from wallets.models import LedgerAccount, LedgerTransaction, WalletPot
from wallets.services import grant_create
from wallets.tasks import expire_pots
from wallets.verification import ledger_verify

pytestmark = pytest.mark.django_db(transaction=True)
ALLOWANCE = 300_000
WORKER = "import django; django.setup(); from wallets.tasks import expire_pots; expire_pots()"


def start_worker() -> subprocess.Popen[str]:
    from django.db import connection

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": database_url(connection.settings_dict["NAME"]),
    }
    return subprocess.Popen(
        [sys.executable, "-c", WORKER], cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True
    )


def test_a_pot_expiry_worker_killed_half_way_is_safe_to_run_again() -> None:
    programme = make_programme(budget=10_000_000, allowance=ALLOWANCE)
    officer = programme.funder.memberships.get().user
    for _ in range(3):
        grant_create(actor=officer, programme=programme, learner=UserFactory.create())
    pots = WalletPot.objects.filter(programme=programme, kind=WalletPot.Kind.GRANT)
    pots.update(expires_at=timezone.now() - dt.timedelta(days=2))
    budget = LedgerAccount.objects.get(pk=programme.budget_account_id)
    budget_before = budget.balance
    last = pots.order_by("pk").last()
    assert last is not None
    # The job works oldest first: this pot comes last, after two it finishes.
    WalletPot.objects.filter(pk=last.pk).update(expires_at=timezone.now() - dt.timedelta(days=1))

    with connect() as locker, connect() as watcher, locker.transaction():
        locker.execute("SELECT id FROM wallets_walletpot WHERE id = %s FOR UPDATE", [last.pk])
        worker = start_worker()
        try:
            waiting_on(watcher, locker.info.backend_pid, timeout=90)  # in the middle of it
        finally:
            worker.send_signal(signal.SIGKILL)
            worker.communicate(timeout=60)
        assert worker.returncode == -signal.SIGKILL
    # The dead worker's session is gone and took its open transaction with it.
    last.refresh_from_db()
    assert last.status == WalletPot.Status.ACTIVE
    done_before_the_kill = pots.filter(status=WalletPot.Status.EXPIRED).count()
    assert done_before_the_kill == 2, "the worker should have finished the other pots first"
    assert LedgerAccount.objects.get(pk=last.account_id).balance == ALLOWANCE
    assert ledger_verify().ok

    expire_pots()  # the next run
    expire_pots()  # and one more, as beat would

    assert set(pots.values_list("status", flat=True)) == {WalletPot.Status.EXPIRED}
    assert pots.aggregate(left=Sum("account__balance"))["left"] == 0
    expiries = LedgerTransaction.objects.filter(kind=LedgerTransaction.Kind.POT_EXPIRY)
    assert expiries.count() == 3  # one per pot, none twice
    budget.refresh_from_db()
    assert budget.balance == budget_before + 3 * ALLOWANCE
    assert ledger_verify().ok
