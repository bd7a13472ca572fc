"""`make bench-catalogue`: catalogue search and learner statements at region scale.

1. Generates, set-based in SQL, 100,000 published courses of 500 approved providers and
   500,000 cohorts (five per course) in a scratch database, then ANALYZE.
2. Drives the catalogue search view (`GET /api/v1/courses`) through Django's test client:
   text, skill, region, level/mode, price and start-date filters, alone and combined, each
   query repeated; `/healthz` through the same client is the baseline of the same run.
3. Statements: 1,000,000 ledger entries, of which 10,000 are one learner's (posted through
   the real `ledger_post()` function, spread among the others); the first page and a deep
   page (line 9,000 onwards, reached with the cursor the API handed out) of
   `GET /api/v1/wallet/statement`.

Prints p50/p95 per query and overall and rewrites its sections of docs/BENCHMARKS.md.
Targets: catalogue p95 < 50 ms, statement pages p95 < 20 ms. Loopback/socket servers only.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import re
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench_ledger import (  # noqa: E402
    _admin_execute,
    _percentile,
    _server,
    _url_for,
)

BENCH_DB = "skills_wallet_bench_read"
_PROSE = (
    "data analysis python cloud security network web react javascript accounting "
    "bookkeeping welding plumbing electrical carpentry care nursing teaching leadership "
    "management project agile marketing design photography cooking hospitality retail "
    "logistics driving forklift construction solar heating engineering maths english "
    "spanish french coding excel finance payroll cyber devops linux kubernetes"
)
WORDS = _PROSE.split()

COURSES_SQL = """
INSERT INTO providers_provider (legal_name, trading_name, ukprn, address_line_1, address_line_2,
    town, postcode, website, contact_email, contact_phone, status, status_reason,
    stripe_account_id, created_at)
SELECT 'Bench provider ' || g, '', (10000000 + g)::text, '', '', '', '', '', '', '',
    'approved', '', '', now()
FROM generate_series(1, %(providers)s) AS g;

WITH words AS (SELECT %(words)s::text[] AS w),
skills AS (SELECT array_agg(slug ORDER BY slug) AS s FROM core_skill WHERE active),
providers AS (SELECT array_agg(id ORDER BY id) AS p FROM providers_provider),
regions AS (SELECT %(regions)s::text[] AS r)
INSERT INTO courses_course (provider_id, title, summary, description, skills, level, mode,
    region, guided_learning_hours, length_weeks, price, currency, entry_requirements,
    expected_outcomes, status, created_at, updated_at)
SELECT
    p[1 + g %% array_length(p, 1)],
    initcap(w[1 + (g * 7) %% array_length(w, 1)] || ' ' || w[1 + (g * 13) %% array_length(w, 1)])
        || ' course ' || g,
    'Learn ' || w[1 + (g * 17) %% array_length(w, 1)] || ' and '
        || w[1 + (g * 31) %% array_length(w, 1)] || ' with practical projects',
    '',
    ARRAY[s[1 + g %% array_length(s, 1)], s[1 + (g / 7) %% array_length(s, 1)]],
    3 + g %% 5,
    (ARRAY['online', 'in_person', 'blended'])[1 + g %% 3],
    r[1 + (g / 3) %% array_length(r, 1)],
    20 + g %% 200, 1 + g %% 52, 10000 + (g * 7919) %% 900000, 'GBP', '', '',
    CASE WHEN g %% 20 = 0 THEN 'draft' ELSE 'published' END, now(), now()
FROM generate_series(1, %(courses)s) AS g, words, skills, providers, regions;

-- The per-row trigger that keeps courses.next_start is off for this bulk insert; one
-- set-based UPDATE below computes the same value.
SET session_replication_role = replica;
INSERT INTO courses_cohort (course_id, start_date, end_date, application_deadline, capacity,
    seats_taken, online, location, status, weekdays, session_dates, created_at)
SELECT c.id, d.start, d.start + 60, d.start - 7, 20, 0, c.mode = 'online',
    CASE WHEN c.mode = 'online' THEN '' ELSE 'Campus' END,
    CASE WHEN k = 0 THEN 'finished' WHEN k = 4 AND c.id %% 3 = 0 THEN 'full' ELSE 'open' END,
    '{0,1,2,3,4}', '{}', now()
FROM courses_course c
CROSS JOIN generate_series(0, %(per_course)s - 1) AS k
CROSS JOIN LATERAL (
    SELECT (current_date - 90 + ((c.id * 37 + k * 101) %% 700)::int)::date AS start
) AS d;
SET session_replication_role = origin;
UPDATE courses_course SET next_start = courses_next_start(id);
"""


def _django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
    os.environ["DJANGO_DEBUG"] = "false"
    os.environ["ALLOWED_HOSTS"] = "testserver,127.0.0.1,localhost"
    os.environ["CONN_MAX_AGE"] = "600"
    for scope in ("ANON", "USER", "PUBLIC"):
        os.environ[f"THROTTLE_{scope}"] = "1000000/min"
    import django

    django.setup()


def generate_catalogue(courses: int) -> None:
    from django.db import connection

    from core.reference import Region

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            COURSES_SQL,
            {
                "providers": 500,
                "courses": courses,
                "per_course": 5,
                "words": WORDS,
                "regions": [value for value, _ in Region.choices],
            },
        )
        cursor.execute("VACUUM ANALYZE providers_provider, courses_course, courses_cohort")
    print(f"  generated in {time.perf_counter() - started:.1f} s", flush=True)


def generate_statement(lines: int, total: int) -> Any:
    """A learner whose pot has `lines` entries among `total` ledger entries."""
    from django.db import connection, transaction

    from users.models import User
    from wallets.ledger import account_create
    from wallets.services.pots import personal_pot_get_or_create, wallet_get_or_create

    started = time.perf_counter()
    learner = User.objects.create_user("bench-learner@example.org", "bench-password-1")
    pot = personal_pot_get_or_create(wallet=wallet_get_or_create(learner=learner))
    source = account_create(
        key="bench:source",
        kind="funder_external",
        name="Bench",
        currency="GBP",
        allow_negative=True,
    )
    filler_entries = total - lines
    batches = max(lines // 100, 1)  # the learner's lines go in 100 at a time between fillers
    per_block = filler_entries // batches // 2 * 2
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO wallets_ledgeraccount (key, kind, name, currency, allow_negative, "
            "balance, entry_count, last_hash, created_at) SELECT 'bench:filler:' || g, "
            "'wallet_pot', 'Filler', 'GBP', true, 0, 0, '', now() "
            "FROM generate_series(1, 1000) AS g"
        )
    for _ in range(batches):
        with transaction.atomic(), connection.cursor() as cursor:
            # Filler lines of other accounts (triggers off for these rows only: scratch data).
            cursor.execute("SET LOCAL session_replication_role = replica")
            cursor.execute(
                """
                WITH t AS (
                    INSERT INTO wallets_ledgertransaction (kind, fingerprint, memo, created_at)
                    SELECT 'transfer', '', 'filler', now() FROM generate_series(1, %(n)s)
                    RETURNING id
                ), a AS (SELECT min(id) AS lo FROM wallets_ledgeraccount
                         WHERE key LIKE 'bench:filler:%%')
                INSERT INTO wallets_ledgerentry (transaction_id, account_id, amount, currency,
                    sequence, prev_hash, hash, balance_after, created_at)
                SELECT t.id, a.lo + (t.id * 2 + s) %% 1000, CASE s WHEN 0 THEN -100 ELSE 100 END,
                    'GBP', t.id * 2 + s, '', '', 0, now()
                FROM t, a, generate_series(0, 1) AS s
                """,
                {"n": per_block // 2},
            )
            cursor.execute("SET LOCAL session_replication_role = origin")
            # 100 statement lines: 100 postings through the SQL function ledger_post() wraps,
            # alternately £5 in and £1 out, so the pot never goes below zero.
            cursor.execute(
                """
                SELECT ledger_post('transfer', NULL, '', NULL, 'bench', NULL, 'GBP',
                    ARRAY[%(source)s, %(pot)s]::bigint[],
                    CASE WHEN g %% 2 = 1 THEN ARRAY[-500, 500] ELSE ARRAY[100, -100] END::bigint[])
                FROM generate_series(1, 100) AS g ORDER BY g
                """,
                {"source": source.pk, "pot": pot.account_id},
            )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE wallets_ledgerentry")
        cursor.execute("SELECT count(*) FROM wallets_ledgerentry")
        count = cursor.fetchone()[0]
        cursor.execute(
            "SELECT count(*) FROM wallets_ledgerentry WHERE account_id = %s", [pot.account_id]
        )
        mine = cursor.fetchone()[0]
    print(
        f"  {count} entries, {mine} of them the learner's, "
        f"in {time.perf_counter() - started:.1f} s",
        flush=True,
    )
    return learner


# Mean CPU time of this process (Django, DRF, the client) per request, by latency list: on a
# shared machine wall-clock latency includes waiting for a CPU; this does not.
CPU_MS: dict[int, float] = {}


def _time(call: Callable[[], Any], repeat: int) -> list[float]:
    latencies: list[float] = []
    cpu_began = time.process_time()
    for _ in range(repeat):
        began = time.perf_counter()
        response = call()
        latencies.append((time.perf_counter() - began) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"unexpected {response.status_code}: {response.content[:300]!r}")
    CPU_MS[id(latencies)] = (time.process_time() - cpu_began) * 1000 / repeat
    return latencies


def catalogue_queries() -> dict[str, dict[str, str]]:
    from django.utils import timezone

    today = timezone.localdate()
    return {
        "no filter (start-date order)": {},
        "text 'python'": {"q": "python"},
        "text 'data analysis'": {"q": "data analysis"},
        "text + region": {"q": "cloud", "region": "West Midlands"},
        "skill": {"skill": "data"},
        "skill + region": {"skill": "software-development", "region": "London"},
        "region": {"region": "North West"},
        "level + mode": {"level": "4", "mode": "online"},
        "price range": {"price_min": "100000", "price_max": "200000", "ordering": "price"},
        "start window": {
            "start_from": str(today + dt.timedelta(days=30)),
            "start_to": str(today + dt.timedelta(days=60)),
        },
        "text + skill + level": {"q": "course", "skill": "data", "level": "5"},
    }


def run_catalogue(repeat: int) -> list[tuple[str, list[float]]]:
    from django.test import Client

    from core.models import Skill

    client = Client()
    skills = set(Skill.objects.filter(active=True).values_list("slug", flat=True))
    rows = [("baseline: GET /healthz", _time(lambda: client.get("/healthz"), repeat))]
    for name, params in catalogue_queries().items():
        if params.get("skill") and params["skill"] not in skills:
            params["skill"] = sorted(skills)[0]
        client.get("/api/v1/courses", params)  # warm
        rows.append((name, _time(partial(client.get, "/api/v1/courses", params), repeat)))
    return rows


def run_statements(learner: Any, repeat: int) -> list[tuple[str, list[float]]]:
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(learner)
    url = "/api/v1/wallet/statement?page_size=50"
    rows = [("baseline: GET /healthz", _time(lambda: client.get("/healthz"), repeat))]
    first = client.get(url)
    rows.append(("first page (50 lines)", _time(lambda: client.get(url), repeat)))
    page, seen = first.json(), 0
    while seen < 9000 and page["next"]:
        seen += len(page["results"])
        deep_url = page["next"]
        page = client.get(deep_url).json()
    rows.append((f"deep page (after line {seen})", _time(lambda: client.get(deep_url), repeat)))
    return rows


def _table(rows: list[tuple[str, list[float]]]) -> str:
    lines = [
        "| query | requests | p50 ms | p95 ms | p99 ms | Python CPU ms/request |",
        "|---|---|---|---|---|---|",
    ]
    for name, values in rows:
        lines.append(
            f"| {name} | {len(values)} | {_percentile(values, 0.5):.2f} | "
            f"{_percentile(values, 0.95):.2f} | {_percentile(values, 0.99):.2f} | "
            f"{CPU_MS.get(id(values), float('nan')):.2f} |"
        )
    return "\n".join(lines)


def _worst_p95(rows: list[tuple[str, list[float]]]) -> float:
    return max(_percentile(values, 0.95) for name, values in rows if "baseline" not in name)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--courses", type=int, default=100_000)
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--lines", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=100)
    parser.add_argument("--no-write", action="store_true", help="do not update docs/BENCHMARKS.md")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args()

    config = _server()
    _admin_execute(config, f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
    _admin_execute(config, f'CREATE DATABASE "{BENCH_DB}"')
    try:
        _django(_url_for(config, BENCH_DB))
        from django.core.management import call_command
        from django.db import connections

        call_command("migrate", verbosity=0)
        print(f"Catalogue: {args.courses} courses, {args.courses * 5} cohorts ...", flush=True)
        generate_catalogue(args.courses)
        catalogue = run_catalogue(args.repeat)
        print(_table(catalogue), flush=True)
        print(f"Statements: {args.entries} entries, {args.lines} the learner's ...", flush=True)
        learner = generate_statement(args.lines, args.entries)
        statements = run_statements(learner, args.repeat)
        print(_table(statements), flush=True)
        connections.close_all()
    finally:
        if not args.keep:
            _admin_execute(config, f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')

    cat_p95, st_p95 = _worst_p95(catalogue), _worst_p95(statements)
    cat_verdict = "meets" if cat_p95 < 50 else "MISSES"
    st_verdict = "meets" if st_p95 < 20 else "MISSES"
    print(f"catalogue worst p95: {cat_p95:.1f} ms — {cat_verdict} the 50 ms target")
    print(f"statement worst p95: {st_p95:.1f} ms — {st_verdict} the 20 ms target")
    if not args.no_write:
        _write_markdown(args, catalogue, statements, (cat_p95, cat_verdict, st_p95, st_verdict))
    return 0


def _write_markdown(
    args: argparse.Namespace,
    catalogue: list[tuple[str, list[float]]],
    statements: list[tuple[str, list[float]]],
    verdicts: tuple[float, str, float, str],
) -> None:
    path = ROOT / "docs" / "BENCHMARKS.md"
    text = path.read_text() if path.exists() else "# Benchmarks\n"
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    today = dt.datetime.now(dt.UTC).date()
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    cat_p95, cat_verdict, st_p95, st_verdict = verdicts
    section = (
        "<!-- bench-catalogue:start -->\n"
        "## Catalogue search and statements at scale (`make bench-catalogue`)\n\n"
        f"Measured {today:%Y-%m-%d} on {machine} (load average at the end: {load}; the "
        "machine is shared, so wall-clock latency includes waiting for a CPU, and the last "
        "column gives this process's own CPU time per request), "
        "in one run on one PostgreSQL server. "
        f"{args.courses:,} courses (5 % drafts) of 500 providers, {args.courses * 5:,} cohorts; "
        "each query is `GET /api/v1/courses` through Django's test client (URL routing, "
        "DRF, serialisation, cursor pagination, 20 per page), repeated "
        f"{args.repeat} times after one warm-up; the baseline is `GET /healthz` through the "
        "same client.\n\n"
        f"{_table(catalogue)}\n\n"
        f"Result: worst p95 {cat_p95:.1f} ms — {cat_verdict} the 50 ms target.\n\n"
        f"Statements: {args.entries:,} ledger entries, {args.lines:,} of them one learner's "
        "(posted through `ledger_post()`, interleaved with the others); "
        "`GET /api/v1/wallet/statement?page_size=50`, the first page and a deep page reached "
        "by following the cursors.\n\n"
        f"{_table(statements)}\n\n"
        f"Result: worst p95 {st_p95:.1f} ms — {st_verdict} the 20 ms target.\n"
        "<!-- bench-catalogue:end -->"
    )
    if "<!-- bench-catalogue:start -->" in text:
        text = re.sub(
            r"<!-- bench-catalogue:start -->.*<!-- bench-catalogue:end -->",
            section,
            text,
            flags=re.S,
        )
    else:
        text = text.rstrip() + "\n\n" + section + "\n"
    path.write_text(text)


if __name__ == "__main__":
    sys.exit(main())
