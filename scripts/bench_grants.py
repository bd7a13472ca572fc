"""`make bench-grants`: credit a region's wallets from one CSV, beside its baselines.

1. Generates the learners (PostgreSQL COPY) and a CSV of them (`email,amount`), in a scratch
   database on DATABASE_URL's server.
2. Ceiling: a plain COPY of the same file into an unconstrained table.
3. Baseline: today's per-row path (`grants_bulk_create`: one `ledger_post` and ORM rows per
   grant) on a sample of other learners.
4. The import: `grant_import_create` (stream, COPY, validate set-based) then
   `grant_import_run` (batches through `ledger_post_batch`, checkpoint per batch).
5. `ledger_verify` over the whole ledger, which must be clean.

Prints the figures, rewrites the bulk-grant section of docs/BENCHMARKS.md, and ends with the
line `wallets per second: N`. Targets loopback/socket servers only.

    make bench-grants                                  # 1,000,000 rows
    make bench-grants BENCH_ARGS="--rows 100000"       # a smaller run, same output
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import re
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench_ledger import _admin_execute, _server, _url_for  # noqa: E402 (this directory)

DEFAULT_DB = "skills_wallet_bench_grants"
ALLOWANCE = 50_000  # £500 a learner
START, END = "<!-- bench-grants:start -->", "<!-- bench-grants:end -->"


def _django(url: str, batch_size: int) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.local"  # config/ defaults to production
    os.environ["DJANGO_DEBUG"] = "false"
    os.environ["REDIS_URL"] = ""  # no broker: nothing is queued, the bench runs the import
    os.environ["GRANT_IMPORT_BATCH_SIZE"] = str(batch_size)
    os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.dummy.EmailBackend"
    import django

    django.setup()


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _copy_learners(prefix: str, count: int) -> None:
    from django.db import connection

    now = dt.datetime.now(dt.UTC)
    with (
        connection.connection.cursor() as cursor,
        cursor.copy(
            "COPY users_user (email, password, is_superuser, is_staff, is_active, date_joined, "
            "full_name, email_opt_outs, created_at) FROM STDIN"
        ) as copy,
    ):
        for i in range(count):
            copy.write_row(
                (f"{prefix}{i}@bench.example", "!", False, False, True, now, "", [], now)
            )


def _write_csv(path: Path, prefix: str, count: int) -> None:
    with path.open("w") as handle:
        handle.write("email,amount\n")
        for i in range(count):
            handle.write(f"{prefix}{i}@bench.example,{ALLOWANCE}\n")


def _programme(budget: int, name: str) -> tuple[Any, Any]:
    from users.models import User
    from wallets.models import Funder, FunderMembership
    from wallets.services import programme_activate, programme_create, programme_fund

    officer = User.objects.create_user(email=f"officer.{name}@bench.example", password=None)
    funder = Funder.objects.create(name=f"Bench funder {name}")
    FunderMembership.objects.create(user=officer, funder=funder, role=FunderMembership.Role.OFFICER)
    today = dt.datetime.now(dt.UTC).date()
    programme = programme_create(
        actor=officer,
        funder=funder,
        name=f"Region grants {name}",
        opens_on=today - dt.timedelta(days=1),
        closes_on=today + dt.timedelta(days=365),
        allowance=ALLOWANCE,
        funds_expiry_months=12,
    )
    programme_fund(actor=officer, programme=programme, amount=budget)
    return programme_activate(actor=officer, programme=programme), officer


def _check(condition: bool, what: str) -> None:
    if not condition:
        sys.exit(f"bench-grants: expected {what}")


def run(args: argparse.Namespace) -> dict[str, Any]:
    config = _server()
    _admin_execute(config, f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')
    _admin_execute(config, f'CREATE DATABASE "{args.database}"')
    _django(_url_for(config, args.database), args.batch_size)
    from django.core.management import call_command
    from django.db import connection

    from wallets.services import grants_bulk_create
    from wallets.services.imports import grant_import_create, grant_import_run
    from wallets.verification import ledger_verify

    call_command("migrate", verbosity=0)
    figures: dict[str, Any] = {"rows": args.rows, "batch": args.batch_size}
    began = time.perf_counter()
    _copy_learners("learner", args.rows)
    _copy_learners("sample", args.baseline_rows)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE users_user")  # as autovacuum would, given time
    figures["generate_s"] = time.perf_counter() - began
    print(f"generated {args.rows:,} learners in {figures['generate_s']:.1f} s", flush=True)

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "grants.csv"
        _write_csv(path, "learner", args.rows)
        figures["file_mb"] = path.stat().st_size / 1e6

        # Ceiling: the same file COPYed into a table with no constraint, index or trigger.
        with connection.cursor() as cursor:
            cursor.execute("CREATE TABLE bench_ceiling (email text, amount bigint)")
        began = time.perf_counter()
        with (
            path.open("rb") as source,
            connection.connection.cursor() as cursor,
            cursor.copy("COPY bench_ceiling FROM STDIN WITH (FORMAT csv, HEADER true)") as copy,
        ):
            while chunk := source.read(1 << 20):
                copy.write(chunk)
        figures["ceiling_s"] = time.perf_counter() - began
        print(f"ceiling (plain COPY): {args.rows / figures['ceiling_s']:,.0f} rows/s", flush=True)

        # Baseline: today's per-row path on a sample.
        sample_programme, sample_officer = _programme(args.baseline_rows * ALLOWANCE, "sample")
        sample_csv = "email,amount\n" + "".join(
            f"sample{i}@bench.example,{ALLOWANCE}\n" for i in range(args.baseline_rows)
        )
        import wallets.services.grants as per_row

        per_row.MAX_BULK_ROWS = max(per_row.MAX_BULK_ROWS, args.baseline_rows)
        began = time.perf_counter()
        report = grants_bulk_create(
            actor=sample_officer, programme=sample_programme, csv_text=sample_csv
        )
        figures["baseline_s"] = time.perf_counter() - began
        _check(len(report.granted) == args.baseline_rows, "the baseline granted every row")
        print(
            f"baseline (per-row ledger_post, {args.baseline_rows:,} rows): "
            f"{args.baseline_rows / figures['baseline_s']:,.0f} rows/s",
            flush=True,
        )

        # The import.
        programme, officer = _programme(args.rows * ALLOWANCE, "region")
        began = time.perf_counter()
        with path.open("rb") as stream:
            grant_import = grant_import_create(
                actor=officer, programme=programme, stream=stream, filename=path.name, enqueue=False
            )
        figures["validate_s"] = time.perf_counter() - began
        _check(grant_import.valid_rows == args.rows, f"every row valid: {grant_import.errors[:5]}")
        print(
            f"staged and validated {grant_import.total_rows:,} rows in "
            f"{figures['validate_s']:.1f} s",
            flush=True,
        )
    last = 0.0

    def show(current: Any) -> None:
        nonlocal last
        if time.monotonic() - last > 2:
            last = time.monotonic()
            sys.stderr.write(
                f"\rposted {current.rows_done:,}/{current.valid_rows:,} "
                f"({current.rows_done / max(current.posting_seconds, 1e-9):,.0f}/s)"
            )
            sys.stderr.flush()

    profile: dict[str, list[float]] = {}

    def timed(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            key = " ".join(sql.split()[:4])[:60]
            entry = profile.setdefault(key, [0, 0.0])
            entry[0] += 1
            entry[1] += time.perf_counter() - started

    began = time.perf_counter()
    with connection.execute_wrapper(timed):
        final = grant_import_run(grant_import.pk, on_batch=show)
    figures["post_s"] = time.perf_counter() - began
    figures["profile"] = sorted(profile.items(), key=lambda item: -item[1][1])[:8]
    sys.stderr.write("\n")
    _check(final.status == "done", f"the import finished: {final.status_reason}")
    _check(final.rows_done == args.rows, "every row granted")
    figures["rss_mb"] = _rss_mb()
    print(f"posted {final.rows_done:,} grants in {figures['post_s']:.1f} s", flush=True)

    began = time.perf_counter()
    verification = ledger_verify()
    figures["verify_s"] = time.perf_counter() - began
    figures["verify_ok"] = verification.ok
    figures["entries"] = verification.entries_checked
    print(
        f"ledger_verify: {'OK' if verification.ok else 'BROKEN'}; "
        f"{verification.accounts_checked:,} accounts, {verification.entries_checked:,} entries "
        f"in {figures['verify_s']:.1f} s",
        flush=True,
    )
    from django.db import connections

    connections.close_all()
    if not args.keep:
        _admin_execute(config, f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')
    return figures


def _table(f: dict[str, Any]) -> tuple[str, float]:
    total = f["validate_s"] + f["post_s"]
    rate = f["rows"] / total
    ceiling = f["rows"] / f["ceiling_s"]
    baseline = f["baseline_rows"] / f["baseline_s"]
    lines = [
        "| path | rows | seconds | rows per second | × per-row path |",
        "|---|---|---|---|---|",
        f"| ceiling: plain COPY into an unconstrained table | {f['rows']:,} | "
        f"{f['ceiling_s']:.1f} | {ceiling:,.0f} | {ceiling / baseline:.1f} |",
        f"| baseline: per-row `ledger_post` (`grants_bulk_create`), sample | "
        f"{f['baseline_rows']:,} | {f['baseline_s']:.1f} | {baseline:,.0f} | 1.0 |",
        f"| import: stage (COPY) and validate the whole file | {f['rows']:,} | "
        f"{f['validate_s']:.1f} | {f['rows'] / f['validate_s']:,.0f} | |",
        f"| import: post in batches of {f['batch']:,} (`ledger_post_batch`) | {f['rows']:,} | "
        f"{f['post_s']:.1f} | {f['rows'] / f['post_s']:,.0f} | |",
        f"| **import, end to end** | {f['rows']:,} | {total:.1f} | **{rate:,.0f}** | "
        f"{rate / baseline:.1f} |",
        f"| `ledger_verify` afterwards ({'clean' if f['verify_ok'] else 'BROKEN'}) | "
        f"{f['entries']:,} entries | {f['verify_s']:.1f} | | |",
    ]
    lines += [
        "",
        f"Where the posting time goes (SQL statements, {f['post_s']:.1f} s in all):",
        "",
        "| statement | calls | seconds | share |",
        "|---|---|---|---|",
    ]
    for key, (calls, seconds) in f["profile"]:
        lines.append(f"| `{key}` | {calls:,} | {seconds:.1f} | {seconds / f['post_s']:.0%} |")
    return "\n".join(lines), rate


def _write_markdown(table: str, f: dict[str, Any], rate: float, command: str) -> None:
    path = ROOT / "docs" / "BENCHMARKS.md"
    text = path.read_text() if path.exists() else "# Benchmarks\n"
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    verdict = "meets" if rate >= 3_300 else "MISSES"
    section = (
        f"{START}\n"
        "## Bulk grants at region scale (`make bench-grants`)\n\n"
        f"Measured {dt.datetime.now(dt.UTC):%Y-%m-%d} on {machine} (shared with other work), "
        f"with `{command}`. One programme credits {f['rows']:,} learners £500 each from one "
        f"CSV ({f['file_mb']:.0f} MB): each grant creates the wallet, the pot and its ledger "
        "account, one balanced ledger transaction (budget → pot, keyed per row) and the grant. "
        "Baseline and ceiling run in the same run on the same server. Peak memory of the "
        f"importing process: {f['rss_mb']:.0f} MB (the file is streamed, never held).\n\n"
        f"{table}\n\n"
        f"Result: **{rate:,.0f} wallets per second** end to end — {verdict} the 3,300/s target "
        "(1,000,000 in under 5 minutes; 10,000/s is the aim)"
        + (
            f", short by {3_300 - rate:,.0f}/s ({3_300 / rate:.1f}× to go). The profile above "
            "shows where the posting time goes."
            if rate < 3_300
            else "."
        )
        + "\n"
        f"{END}"
    )
    if START in text:
        text = re.sub(re.escape(START) + ".*" + re.escape(END), lambda _: section, text, flags=re.S)
    else:
        text = text.rstrip() + "\n\n" + section + "\n"
    path.write_text(text)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--baseline-rows", type=int, default=2_000)
    parser.add_argument("--batch-size", type=int, default=5_000)
    parser.add_argument("--database", default=DEFAULT_DB, help="scratch database (dropped)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument("--no-write", action="store_true", help="do not update docs/BENCHMARKS.md")
    args = parser.parse_args()
    figures = run(args)
    figures["baseline_rows"] = args.baseline_rows
    table, rate = _table(figures)
    print(table)
    if not figures["verify_ok"]:
        print("ledger_verify found breaks", file=sys.stderr)
        return 1
    if not args.no_write:
        command = "make bench-grants" + (
            f' BENCH_ARGS="{" ".join(sys.argv[1:])}"' if sys.argv[1:] else ""
        )
        _write_markdown(table, figures, rate, command)
    print(f"wallets per second: {rate:.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
