"""Exact summaries of the ledger for the reports, so they stay fast on millions of entries.

Two tables (migration `audit/0001_reports_summaries`), filled from ledger entries up to a
watermark entry id (`summarised_id`):

- `audit_reports_programme_flow`: per programme, UK day, account kind, provider and kind
  of transaction, the sum of the entries: what `wallets.balances.programme_money` sums;
- `audit_reports_enrolment_flow`: per UK day and escrow hold of a programme's grant money,
  what it released to the provider and what was clawed back, with the enrolment's learner,
  provider, course and the learner's region on their application to the programme.

A report adds the summary rows to the entries above the watermark read live, so it is
exact whenever it runs, however old the summary.

Why the watermark is safe: entries are only ever inserted (the ledger's triggers refuse
updates and deletes), only by `ledger_post`, which inserts its transaction row (taking a
transaction id) before its entries (taking entry ids). `summaries_refresh` reads the entry
id sequence (`S`), then the next transaction id (`X`), and only on a later run, once no
other transaction of this database with an id below `X` is still open, summarises the
entries up to `S`: by then every entry with an id up to `S` is committed or rolled back
for good. A refresh is cheap
when nothing changed; the Celery beat task runs it every few minutes and the benchmark
before measuring.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import connection, transaction

_STATE = "SELECT summarised_id, pending_id, pending_xmax FROM audit_reports_summary_state"

# The entries in (lo, hi], with what the summaries need of their account and transaction.
_PROGRAMME_ROWS = """
INSERT INTO audit_reports_programme_flow
    (programme_id, day, account_kind, provider_id, transaction_kind, amount)
SELECT a.owner_programme_id, (e.created_at AT TIME ZONE %(tz)s)::date, a.kind,
       a.owner_provider_id, t.kind, SUM(e.amount)
FROM wallets_ledgerentry e
JOIN wallets_ledgeraccount a ON a.id = e.account_id
JOIN wallets_ledgertransaction t ON t.id = e.transaction_id
WHERE e.id > %(lo)s AND e.id <= %(hi)s AND a.owner_programme_id IS NOT NULL
GROUP BY 1, 2, 3, 4, 5
"""

# Per escrow hold of grant money and day: released and clawed back. Shared with the live
# part of the reports (`enrolment_flow_sql`).
_ENROLMENT_FLOWS = """
SELECT h.programme_id, (e.created_at AT TIME ZONE %(tz)s)::date AS day, h.enrolment_id,
       en.learner_id, c.provider_id, c.id AS course_id, COALESCE(app.region, '') AS region,
       SUM(CASE WHEN t.kind = 'milestone_release' THEN -e.amount ELSE 0 END) AS released,
       SUM(CASE WHEN t.kind = 'clawback' THEN e.amount ELSE 0 END) AS clawed_back
FROM wallets_ledgerentry e
JOIN wallets_ledgertransaction t ON t.id = e.transaction_id
JOIN enrolments_enrolmenthold h ON h.account_id = e.account_id
JOIN enrolments_enrolment en ON en.id = h.enrolment_id
JOIN courses_cohort co ON co.id = en.cohort_id
JOIN courses_course c ON c.id = co.course_id
LEFT JOIN wallets_programmeapplication app
       ON app.programme_id = h.programme_id AND app.learner_id = en.learner_id
WHERE h.source = 'grant' AND t.kind IN ('milestone_release', 'clawback') AND {where}
GROUP BY h.programme_id, 2, h.enrolment_id, en.learner_id, c.provider_id, c.id, app.region
"""


# No other transaction of this database (nor a prepared one) that started writing before
# `xmax` is still open. Our own is left out: what it wrote is visible to it, and a rollback
# takes the summary rows with it. Reading other sessions' `backend_xid` needs the same
# database role (as here) or pg_read_all_stats.
_SETTLED = """
SELECT NOT EXISTS (
    SELECT 1 FROM pg_stat_activity
    WHERE datname = current_database() AND pid <> pg_backend_pid()
      AND backend_xid IS NOT NULL AND backend_xid::text::bigint < %(xmax)s
) AND NOT EXISTS (
    SELECT 1 FROM pg_prepared_xacts
    WHERE database = current_database() AND transaction::text::bigint < %(xmax)s
)
"""


def summarised_id() -> int:
    with connection.cursor() as cursor:
        cursor.execute(_STATE)
        row = cursor.fetchone()
    return int(row[0]) if row else 0


def summaries_refresh() -> int:
    """Summarise what is safe to summarise; returns the watermark entry id afterwards."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_STATE + " FOR UPDATE")
        done, pending_id, pending_xmax = cursor.fetchone() or (0, None, None)
        if pending_id is not None:
            cursor.execute(_SETTLED, {"xmax": pending_xmax})
            settled = bool((cursor.fetchone() or (False,))[0])
            if settled and pending_id > done:
                bounds = {"lo": done, "hi": pending_id, "tz": settings.TIME_ZONE}
                cursor.execute(_PROGRAMME_ROWS, bounds)
                cursor.execute(
                    "INSERT INTO audit_reports_enrolment_flow (programme_id, day, "
                    "enrolment_id, learner_id, provider_id, course_id, region, released, "
                    "clawed_back) "
                    + _ENROLMENT_FLOWS.format(where="e.id > %(lo)s AND e.id <= %(hi)s"),
                    bounds,
                )
            if settled:
                done, pending_id = max(done, pending_id), None
        if pending_id is None:
            cursor.execute("SELECT pg_sequence_last_value('wallets_ledgerentry_id_seq')")
            last = (cursor.fetchone() or (None,))[0] or 0
            cursor.execute("SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint")
            xmax = (cursor.fetchone() or (0,))[0]
            pending_id, pending_xmax = (int(last), int(xmax)) if last > done else (None, None)
        cursor.execute(
            "UPDATE audit_reports_summary_state "
            "SET summarised_id = %s, pending_id = %s, pending_xmax = %s",
            [done, pending_id, pending_xmax],
        )
    return int(done)


def enrolment_flow_sql() -> str:
    """A query of (programme_id, day, enrolment_id, learner_id, provider_id, course_id,
    region, released, clawed_back) rows for `%(programme)s` and the UK days
    `%(first_day)s`..`%(last_day)s` (`%(start)s`..`%(end)s` as moments): the summary up
    to the watermark `%(summarised)s`, and the entries above it read live."""
    live = _ENROLMENT_FLOWS.format(
        where="h.programme_id = %(programme)s AND e.id > %(summarised)s "
        "AND e.created_at >= %(start)s AND e.created_at < %(end)s"
    )
    return (
        "SELECT programme_id, day, enrolment_id, learner_id, provider_id, course_id, region, "  # noqa: S608
        "released, clawed_back FROM audit_reports_enrolment_flow "
        "WHERE programme_id = %(programme)s AND day >= %(first_day)s AND day <= %(last_day)s "
        "UNION ALL " + live
    )


def programme_rows(*, programme_id: int, before_day: Any, before: Any) -> list[tuple[Any, ...]]:
    """(account kind, provider, transaction kind, amount) sums of the programme's entries
    dated before `before` (the first moment of the UK day `before_day`): the input of
    `wallets.balances.programme_money`."""
    watermark = summarised_id()
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT account_kind, provider_id, transaction_kind, SUM(amount)
            FROM (
                SELECT account_kind, provider_id, transaction_kind, amount
                FROM audit_reports_programme_flow
                WHERE programme_id = %(programme)s AND day < %(before_day)s
                UNION ALL
                SELECT a.kind, a.owner_provider_id, t.kind, e.amount
                FROM wallets_ledgerentry e
                JOIN wallets_ledgeraccount a ON a.id = e.account_id
                JOIN wallets_ledgertransaction t ON t.id = e.transaction_id
                WHERE e.id > %(summarised)s AND a.owner_programme_id = %(programme)s
                  AND e.created_at < %(before)s
            ) flows
            GROUP BY 1, 2, 3
            """,
            {
                "programme": programme_id,
                "before_day": before_day,
                "before": before,
                "summarised": watermark,
            },
        )
        return [(a, p, t, int(amount)) for a, p, t, amount in cursor.fetchall()]
