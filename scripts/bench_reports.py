"""`make bench-reports`: every funder report against a programme with realistic volume.

1. A scratch database (`skills_wallet_bench_reports`, dropped and re-created), migrated.
2. One programme with 50 providers, 200 courses, 1,000 cohorts and `--enrolments` learners
   (default 50,000) who were granted, took a place and went some way: accepted, started,
   withdrew after the start (money back to the pot), completed, or reached an outcome.
   Learners who were granted and never spent, their pots expired, fill the ledger up to
   `--entries` entries (default 1,000,000). Every movement is posted by the ledger's own
   SQL function `ledger_post` in set-based statements (`SELECT ledger_post(...) FROM ...`),
   so the ledger's triggers (balances, overdraft check, hash chain, balanced transactions)
   run on every entry; the ledger verifies at the end (`wallets.verification.ledger_verify`).
   The other rows (people, wallets, pots, courses, enrolments, holds) are bulk inserts.
3. Each report (audit/reports/catalogue.py), JSON rows and CSV text, `--runs` times
   (default 7) after one warm-up: p50 and p95 in milliseconds, against the 300 ms target.

`BENCH_ARGS="--entries 100000"` gives a quicker run (enrolments scale down to fit).
`--no-write` leaves docs/BENCHMARKS.md alone; otherwise its reports section is rewritten.
Targets loopback/socket servers only.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import re
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from bench_ledger import _admin_execute, _percentile, _server, _url_for  # noqa: E402

BENCH_DB = "skills_wallet_bench_reports"
PROVIDERS, COURSES, COHORTS = 50, 200, 1000
PRICE = 400_000
BATCH = 10_000
UNUSABLE = "!"  # Django's mark for "no password": bench learners never sign in
REGIONS = [
    "North East",
    "North West",
    "West Midlands",
    "East Midlands",
    "London",
    "South West",
    "Wales",
]
SKILLS = ["data-analysis", "cloud", "cyber-security", "software-development", "digital-marketing"]


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--enrolments", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--no-write", action="store_true", help="leave docs/BENCHMARKS.md alone")
    return parser.parse_args(argv)


def _setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.local"  # a scratch database, locally
    import django

    django.setup()


def _sql(sql: str, params: Any = None) -> list[tuple[Any, ...]]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall()) if cursor.description else []


def _entries() -> int:
    return int(_sql("SELECT count(*) FROM wallets_ledgerentry")[0][0])


def generate(entries: int, enrolments: int) -> tuple[Any, dict[str, Any]]:
    """The world; returns the programme and what was made."""
    from django.utils import timezone

    from courses.models import Cohort, Course
    from enrolments.models import Enrolment, EnrolmentHold
    from providers.models import Provider
    from users.models import User
    from wallets.models import (
        Funder,
        FunderMembership,
        LedgerAccount,
        ProgrammeApplication,
        Wallet,
        WalletPot,
    )
    from wallets.services import programme_activate, programme_create, programme_fund

    today = timezone.localdate()
    officer = User.objects.create_user(email="officer@bench.example", password=None)
    funder = Funder.objects.create(name="Bench Combined Authority")
    FunderMembership.objects.create(user=officer, funder=funder, role="officer")
    programme = programme_create(
        actor=officer,
        funder=funder,
        name="Bench Skills Bootcamps",
        opens_on=today - dt.timedelta(days=400),
        closes_on=today + dt.timedelta(days=400),
        allowance=PRICE,
        funds_expiry_months=12,
    )
    programme_fund(actor=officer, programme=programme, amount=10**13)
    programme = programme_activate(actor=officer, programme=programme)
    budget = programme.budget_account_id

    providers = Provider.objects.bulk_create(
        Provider(legal_name=f"Bench Provider {i:02d} Ltd", ukprn=f"1{i:07d}", status="approved")
        for i in range(PROVIDERS)
    )
    payables = LedgerAccount.objects.bulk_create(
        LedgerAccount(
            key=f"provider:{p.pk}:payable:GBP",
            kind="provider_payable",
            name=f"{p.legal_name} payable",
            currency="GBP",
            owner_provider=p,
        )
        for p in providers
    )
    payable_of = {p.pk: a.pk for p, a in zip(providers, payables, strict=True)}
    courses = Course.objects.bulk_create(
        Course(
            provider=providers[i % PROVIDERS],
            title=f"Bench course {i:03d}",
            summary="A benchmark course.",
            skills=[SKILLS[i % len(SKILLS)], SKILLS[(i + 1) % len(SKILLS)]],
            level=3 + i % 5,
            mode="online",
            region=REGIONS[i % len(REGIONS)],
            guided_learning_hours=60,
            length_weeks=12,
            price=PRICE,
            status="published",
        )
        for i in range(COURSES)
    )
    start = today - dt.timedelta(days=200)
    cohorts = Cohort.objects.bulk_create(
        Cohort(
            course=courses[i % COURSES],
            start_date=start,
            end_date=start + dt.timedelta(days=84),
            application_deadline=start,
            capacity=1000,
            online=True,
            weekdays=[0, 1, 2, 3, 4],
            session_dates=[],
        )
        for i in range(COHORTS)
    )

    # Learners: the enrolled ones first, then those whose grant expired unspent.
    funding_entries = _entries()
    per_enrolment = 9.3  # the average of the stages below
    enrolments = min(enrolments, int((entries - funding_entries) / per_enrolment))
    idle = max(0, (entries - funding_entries - round(enrolments * per_enrolment)) // 4)
    learners_total = enrolments + idle
    print(f"generating {enrolments:,} enrolments and {idle:,} unspent grants ...", flush=True)
    t0 = time.perf_counter()
    for first in range(0, learners_total, BATCH):
        count = min(BATCH, learners_total - first)
        users = User.objects.bulk_create(
            User(email=f"learner{n}@bench.example", password=UNUSABLE, full_name=f"Learner {n}")
            for n in range(first, first + count)
        )
        wallets = Wallet.objects.bulk_create(Wallet(learner=u) for u in users)
        accounts = LedgerAccount.objects.bulk_create(
            LedgerAccount(
                key=f"pot:bench:{w.pk}",
                kind="wallet_pot",
                name=f"Grant pot {w.pk}",
                currency="GBP",
                owner_programme=programme,
            )
            for w in wallets
        )
        WalletPot.objects.bulk_create(
            WalletPot(
                wallet=w,
                kind="grant",
                programme=programme,
                account=a,
                expires_at=timezone.now() + dt.timedelta(days=365),
            )
            for w, a in zip(wallets, accounts, strict=True)
        )
        ProgrammeApplication.objects.bulk_create(
            ProgrammeApplication(
                programme=programme,
                learner=u,
                date_of_birth=dt.date(1990, 1, 1),
                postcode="B1 1AA",
                region=REGIONS[(first + i) % len(REGIONS)],
                employment_status="unemployed",
                highest_qualification_level=2,
                status="approved",
            )
            for i, u in enumerate(users)
        )
        # Grants: budget → pot, one ledger_post each, and the Grant row with its transaction.
        _sql(
            """
            INSERT INTO wallets_grant
                (programme_id, learner_id, amount, transaction_id, granted_by_id, created_at)
            SELECT %(programme)s, w.learner_id, %(price)s,
                   (ledger_post('grant', NULL, '', %(officer)s, 'bench', NULL, 'GBP',
                                ARRAY[%(budget)s, p.account_id]::bigint[],
                                ARRAY[-%(price)s, %(price)s]::bigint[])).transaction_id,
                   %(officer)s, now()
            FROM wallets_walletpot p JOIN wallets_wallet w ON w.id = p.wallet_id
            WHERE p.account_id BETWEEN %(lo)s AND %(hi)s
            ORDER BY p.id
            """,
            {
                "programme": programme.pk,
                "price": PRICE,
                "officer": officer.pk,
                "budget": budget,
                "lo": accounts[0].pk,
                "hi": accounts[-1].pk,
            },
        )
        _commit()
        enrolled = max(0, min(count, enrolments - first))
        if enrolled:
            _enrol(programme, users[:enrolled], accounts[:enrolled], first, cohorts, payable_of)
        if count > enrolled:
            _expire(budget, accounts[enrolled:])
        done = first + count
        print(
            f"  {done:,}/{learners_total:,} learners, {_entries():,} entries "
            f"({time.perf_counter() - t0:.0f} s)",
            flush=True,
        )
    _sql("ANALYZE")
    made = {
        "entries": _entries(),
        "enrolments": Enrolment.objects.count(),
        "holds": EnrolmentHold.objects.count(),
        "learners": learners_total,
        "seconds": time.perf_counter() - t0,
    }
    return programme, made


def _commit() -> None:
    from django.db import connection

    if not connection.get_autocommit():
        connection.commit()


STAGES = [  # by learner number % 20: how far the place went
    "accepted",
    "withdrawn",
    "started",
    "completed",
] + ["outcome"] * 16


def _enrol(
    programme: Any,
    users: list[Any],
    pot_accounts: list[Any],
    first: int,
    cohorts: list[Any],
    payable_of: dict[int, int],
) -> None:
    from django.utils import timezone

    from enrolments.models import Enrolment, EnrolmentHold
    from wallets.models import LedgerAccount

    now = timezone.now()
    course_of = {c.pk: c for c in {c.course for c in cohorts}}
    rows = []
    for i, user in enumerate(users):
        n = first + i
        stage = STAGES[n % 20]
        cohort = cohorts[n % len(cohorts)]
        status = {
            "accepted": "accepted",
            "withdrawn": "withdrawn",
            "started": "started",
            "completed": "completed",
            "outcome": "outcome_recorded",
        }[stage]
        reached_start = stage != "accepted"
        rows.append(
            Enrolment(
                learner=user,
                cohort=cohort,
                status=status,
                price=PRICE,
                wallet_part=PRICE,
                programme=programme,
                provider_recorded_start_at=now if reached_start else None,
                learner_confirmed_start_at=now if reached_start else None,
                completed_at=now if stage in ("completed", "outcome") else None,
                outcome=("employment" if n % 3 else "none") if stage == "outcome" else "",
                outcome_date=now.date() if stage == "outcome" else None,
                outcome_verification="not_sampled" if stage == "outcome" else "",
                attendance_present=10 if stage in ("completed", "outcome") else None,
                attendance_planned=10 if stage in ("completed", "outcome") else None,
            )
        )
    enrolments = Enrolment.objects.bulk_create(rows)
    hold_accounts = LedgerAccount.objects.bulk_create(
        LedgerAccount(
            key=f"enrolment:{e.pk}:hold:grant:{programme.pk}",
            kind="escrow_hold",
            name=f"Escrow for enrolment {e.pk}",
            currency="GBP",
            owner_programme=programme,
            owner_provider_id=course_of[e.cohort.course_id].provider_id,
        )
        for e in enrolments
    )
    EnrolmentHold.objects.bulk_create(
        EnrolmentHold(
            enrolment=e,
            source="grant",
            programme=programme,
            account=a,
            amount=PRICE,
            position=1,
        )
        for e, a in zip(enrolments, hold_accounts, strict=True)
    )
    table = [
        (
            e.pk,
            pot.pk,
            hold.pk,
            payable_of[course_of[e.cohort.course_id].provider_id],
            STAGES[(first + i) % 20],
        )
        for i, (e, pot, hold) in enumerate(
            zip(enrolments, pot_accounts, hold_accounts, strict=True)
        )
    ]
    values = ",".join(_sql_row(row) for row in table)
    _sql(
        "CREATE TEMP TABLE IF NOT EXISTS bench_places"
        " (enrolment bigint, pot bigint, hold bigint, payable bigint, stage text)"
    )
    _sql("TRUNCATE bench_places")
    _sql(f"INSERT INTO bench_places VALUES {values}")  # noqa: S608 (numbers and fixed words)
    start, completion, outcome = PRICE * 45 // 100, PRICE * 35 // 100, PRICE * 20 // 100

    def post(kind: str, source: str, target: str, amount: int, stages: tuple[str, ...]) -> None:
        _sql(
            f"""
            SELECT count(*) FROM bench_places
            CROSS JOIN LATERAL ledger_post(%s, NULL, '', NULL, 'bench', NULL, 'GBP',
                                           ARRAY[{source}, {target}]::bigint[],
                                           ARRAY[-%s, %s]::bigint[])
            WHERE stage = ANY(%s)
            """,  # noqa: S608 (column names chosen above)
            [kind, amount, amount, list(stages)],
        )
        _commit()

    everyone = ("accepted", "withdrawn", "started", "completed", "outcome")
    post("enrolment_hold", "pot", "hold", PRICE, everyone)
    post("milestone_release", "hold", "payable", start, everyone[1:])
    post("hold_return", "hold", "pot", PRICE - start, ("withdrawn",))
    post("milestone_release", "hold", "payable", completion, ("completed", "outcome"))
    post("milestone_release", "hold", "payable", outcome, ("outcome",))


def _sql_row(row: tuple[int, int, int, int, str]) -> str:
    enrolment, pot, hold, payable, stage = row
    if stage not in STAGES:
        raise ValueError(stage)
    return f"({int(enrolment)},{int(pot)},{int(hold)},{int(payable)},'{stage}')"


def _expire(budget: int, pot_accounts: list[Any]) -> None:
    """Grants nobody spent: swept back to the budget (the pot_expiry posting)."""
    _sql(
        """
        SELECT count(*) FROM wallets_ledgeraccount a
        CROSS JOIN LATERAL ledger_post('pot_expiry', NULL, '', NULL, 'bench', NULL, 'GBP',
                                       ARRAY[a.id, %s]::bigint[],
                                       ARRAY[-a.balance, a.balance]::bigint[])
        WHERE a.id BETWEEN %s AND %s AND a.balance > 0
        """,
        [budget, pot_accounts[0].pk, pot_accounts[-1].pk],
    )
    _sql(
        "UPDATE wallets_walletpot SET status = 'expired' WHERE account_id BETWEEN %s AND %s",
        [pot_accounts[0].pk, pot_accounts[-1].pk],
    )
    _commit()


def time_reports(programme: Any, runs: int) -> list[tuple[str, float, float, int]]:
    from django.utils import timezone

    from audit.reports.catalogue import REPORTS, csv_lines
    from audit.reports.period import Period
    from core.csv_safe import csv_text

    period = Period(timezone.localdate(programme.created_at), timezone.localdate())
    results = []
    for name, report in REPORTS.items():
        timings = []
        for run in range(runs + 1):
            t0 = time.perf_counter()
            rows = report.build(programme, period)
            csv_text(report.columns, csv_lines(report, rows))
            elapsed = (time.perf_counter() - t0) * 1000
            if run:  # the first run warms the caches
                timings.append(elapsed)
        results.append((name, _percentile(timings, 0.5), _percentile(timings, 0.95), len(rows)))
        print(
            f"  {name:<20} p50 {results[-1][1]:7.1f} ms  p95 {results[-1][2]:7.1f} ms", flush=True
        )
    return results


def write_section(text: str) -> None:
    path = ROOT / "docs" / "BENCHMARKS.md"
    current = path.read_text()
    start, end = "<!-- bench-reports:start -->", "<!-- bench-reports:end -->"
    block = f"{start}\n{text}\n{end}"
    if start in current:
        current = re.sub(f"{start}.*?{end}", lambda _: block, current, flags=re.S)
    else:
        current = current.rstrip("\n") + "\n\n" + block + "\n"
    path.write_text(current)


def _fresh_database(config: dict[str, Any]) -> None:
    """An empty scratch database. An existing one is emptied schema-first rather than
    dropped: DROP DATABASE waits for every backend on the server to answer a barrier, and
    one stuck client elsewhere would hang the benchmark."""
    import psycopg

    try:
        _admin_execute(config, f"CREATE DATABASE {BENCH_DB}")
    except psycopg.errors.DuplicateDatabase:
        try:
            with psycopg.connect(_url_for(config, BENCH_DB), autocommit=True) as conn:
                conn.execute("DROP SCHEMA public CASCADE")
                conn.execute("CREATE SCHEMA public")
        except psycopg.OperationalError:  # left invalid by an interrupted drop
            _admin_execute(config, f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
            _admin_execute(config, f"CREATE DATABASE {BENCH_DB}")


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    config = _server()
    _fresh_database(config)
    _setup_django(_url_for(config, BENCH_DB))
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    programme, made = generate(args.entries, args.enrolments)
    print(
        f"made {made['entries']:,} ledger entries, {made['enrolments']:,} enrolments, "
        f"{made['learners']:,} learners in {made['seconds']:.0f} s",
        flush=True,
    )
    from audit.reports import figures
    from audit.reports.period import Period
    from wallets.verification import ledger_verify

    t0 = time.perf_counter()
    verified = ledger_verify()
    verify_seconds = time.perf_counter() - t0
    print(f"ledger verifies: {verified.ok} ({verify_seconds:.0f} s)", flush=True)
    from django.utils import timezone

    totals = figures.totals(
        programme=programme,
        period=Period(timezone.localdate(programme.created_at), timezone.localdate()),
    )
    print(f"totals reconcile: {totals.reconciles}", flush=True)
    from audit.reports.summaries import summaries_refresh

    t0 = time.perf_counter()
    summaries_refresh()  # notes the last entry
    watermark = summaries_refresh()  # nothing in flight: summarises up to it
    summary_seconds = time.perf_counter() - t0
    print(f"summaries up to entry {watermark:,} ({summary_seconds:.0f} s)", flush=True)
    results = time_reports(programme, args.runs)
    worst = max(p95 for _, _, p95, _ in results)
    lines = [
        "## Funder reports (`make bench-reports`)",
        "",
        f"Measured {dt.date.today().isoformat()} on {platform.machine()}, "  # noqa: DTZ011
        f"{os.cpu_count()} cores, Python {platform.python_version()}: one programme with "
        f"{made['entries']:,} ledger entries (all its own), {made['enrolments']:,} "
        f"enrolments, {made['learners']:,} learners, {PROVIDERS} providers, {COURSES} "
        f"courses, {COHORTS} cohorts; generated through `ledger_post` with every ledger "
        f"trigger on in {made['seconds']:.0f} s; the ledger verified "
        f"({'ok' if verified.ok else 'FAILED'}, {verify_seconds:.0f} s) and the totals "
        f"reconciled ({totals.reconciles}); the reports' exact summaries caught up in "
        f"{summary_seconds:.0f} s (docs/audit.md). Each report built {args.runs} times after a "
        "warm-up, JSON rows and CSV text, for the whole programme to date.",
        "",
        f'Command: `make bench-reports BENCH_ARGS="{" ".join(argv)}"`'
        if argv
        else "Command: `make bench-reports`",
        "",
        "| report | rows | p50 ms | p95 ms | under 300 ms |",
        "|---|---|---|---|---|",
        *(
            f"| {name} | {rows} | {p50:.1f} | {p95:.1f} | {'yes' if p95 < 300 else 'NO'} |"
            for name, p50, p95, rows in results
        ),
        "",
        f"Slowest p95: {worst:.1f} ms ({'meets' if worst < 300 else 'misses'} the 300 ms target).",
    ]
    print("\n".join(lines))
    if not args.no_write:
        write_section("\n".join(lines))
    return 0 if verified.ok and totals.reconciles else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
