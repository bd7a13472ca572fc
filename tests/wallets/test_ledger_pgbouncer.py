"""The ledger through PgBouncer in transaction mode (Debian's `pgbouncer`, started here on a
free loopback port in front of the test database): postings, an idempotent replay and a
concurrent burst, with the settings DATABASE_POOL_MODE=transaction gives."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import connection

from tests.concurrency import run_concurrently
from tests.pgbouncer import PgBouncer
from tests.pgbouncer import through_pgbouncer as pgbouncer_through
from tests.wallets.ledger_helpers import funded, new_account
from wallets.errors import InsufficientFunds
from wallets.ledger import Posting, ledger_post
from wallets.models import LedgerEntry
from wallets.verification import ledger_verify

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def through_pgbouncer() -> Iterator[PgBouncer]:
    # Four server connections for a burst of concurrent clients: PgBouncer must multiplex.
    with pgbouncer_through(pool_size=4, this_thread_too=True) as bouncer:
        yield bouncer


def _server_port() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT inet_server_port()")
        port: int = cursor.fetchone()[0]
        return port


def test_ledger_posts_replays_and_bursts_through_pgbouncer(through_pgbouncer: PgBouncer) -> None:
    # The client talks to the pooler; the pooler to PostgreSQL.
    assert connection.settings_dict["PORT"] == str(through_pgbouncer.port)
    assert connection.settings_dict["OPTIONS"]["prepare_threshold"] is None
    assert _server_port() != through_pgbouncer.port

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
