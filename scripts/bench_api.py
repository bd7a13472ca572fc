"""`make bench-api`: the API under a realistic mix, served by gunicorn on PostgreSQL.

1. A scratch database: 20,000 courses / 100,000 cohorts (as `make bench-catalogue`), and
   learners with verified emails, a wallet and a statement of 200 lines each.
2. gunicorn (`config.wsgi`, 2 workers × 4 threads) on a free loopback port; the learners
   sign in through allauth's app API (`X-Session-Token`).
3. A loopback load generator (threads, keep-alive HTTP/1.1 with `http.client`) at each
   concurrency for a bounded time: catalogue search 60 %, wallet and statement 25 %,
   applications for a place 15 %; then the same server answering `/healthz` only, at the
   same concurrency, as the framework's own ceiling.

Prints requests per second, p50/p95/p99 and errors per workload and rewrites its section
of docs/BENCHMARKS.md. Stops by itself (gunicorn is terminated, the database dropped).
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import platform
import random
import re
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench_catalogue import _django, generate_catalogue  # noqa: E402
from bench_ledger import _admin_execute, _percentile, _server, _url_for  # noqa: E402

BENCH_DB = "skills_wallet_bench_api"
PASSWORD = "bench-password-1"  # noqa: S105 - scratch learners of a scratch database
QUERIES = [
    "?q=python",
    "?q=data+analysis",
    "?region=London",
    "?skill=data",
    "?level=4&mode=online",
    "",
    "?q=cloud&region=West+Midlands",
    "?ordering=price&price_min=100000",
]


def prepare(learners: int, courses: int) -> tuple[list[str], list[int]]:
    from allauth.account.models import EmailAddress
    from django.core.management import call_command
    from django.utils import timezone

    from courses.models import Cohort
    from users.models import User
    from wallets.ledger import account_create, ledger_post
    from wallets.services.pots import personal_pot_get_or_create, wallet_get_or_create

    call_command("migrate", verbosity=0)
    generate_catalogue(courses)
    source = account_create(
        key="bench:source",
        kind="funder_external",
        name="Bench",
        currency="GBP",
        allow_negative=True,
    )
    emails = []
    for n in range(learners):
        email = f"learner{n}@bench.example.org"
        user = User.objects.create_user(email, PASSWORD)
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
        pot = personal_pot_get_or_create(wallet=wallet_get_or_create(learner=user))
        for i in range(100):
            ledger_post(
                kind="top_up", currency="GBP", lines=[(source, -100_000), (pot.account, 100_000)]
            )
            if i % 2:
                ledger_post(kind="transfer", currency="GBP", lines=[(pot.account, -1), (source, 1)])
        emails.append(email)
    cohorts = list(
        # One cohort per course: a learner applies once per course.
        Cohort.objects.filter(
            status="open",
            course__status="published",
            application_deadline__gte=timezone.localdate(),
        )
        .order_by("course_id", "pk")
        .distinct("course_id")
        .values_list("pk", flat=True)[:20000]
    )
    return emails, cohorts


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Http:
    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def request(
        self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
    ) -> tuple[int, bytes]:
        data = None if body is None else json.dumps(body).encode()
        all_headers = {"Content-Type": "application/json", **(headers or {})}
        try:
            self.conn.request(method, path, body=data, headers=all_headers)
            response = self.conn.getresponse()
            return response.status, response.read()
        except (OSError, http.client.HTTPException):
            self.conn.close()
            return 599, b""


def sign_in(port: int, emails: list[str]) -> list[str]:
    tokens = []
    for email in emails:
        status, body = Http(port).request(
            "POST", "/_allauth/app/v1/auth/login", {"email": email, "password": PASSWORD}
        )
        if status != 200:
            raise SystemExit(f"sign-in failed ({status}): {body[:300]!r}")
        tokens.append(json.loads(body)["meta"]["session_token"])
    return tokens


def drive(
    port: int, threads: int, seconds: float, mix: bool, tokens: list[str], cohorts: list[int]
) -> dict[str, Any]:
    lock = threading.Lock()
    results: dict[str, list[float]] = {}
    errors: list[str] = []
    refused: list[str] = []
    free_cohorts = list(cohorts)
    random.shuffle(free_cohorts)
    deadline = time.perf_counter() + seconds

    def one(http: Http, rng: random.Random, token: str) -> tuple[str, int, int]:
        if not mix:
            return "healthz", http.request("GET", "/healthz")[0], 200
        roll = rng.random()
        auth = {"X-Session-Token": token}
        if roll < 0.60:
            path = "/api/v1/courses" + rng.choice(QUERIES)
            return "catalogue search", http.request("GET", path)[0], 200
        if roll < 0.85:
            path = rng.choice(["/api/v1/wallet", "/api/v1/wallet/statement"])
            return "wallet and statement", http.request("GET", path, headers=auth)[0], 200
        with lock:
            cohort = free_cohorts.pop() if free_cohorts else rng.choice(cohorts)
        status = http.request(
            "POST", f"/api/v1/cohorts/{cohort}/enrolments", {"statement": ""}, headers=auth
        )[0]
        return "apply for a place", status, 201

    def worker(index: int) -> None:
        http, rng = Http(port), random.Random(index)
        token = tokens[index % len(tokens)] if tokens else ""
        local: dict[str, list[float]] = {}
        local_errors: list[str] = []
        local_refused: list[str] = []
        while time.perf_counter() < deadline:
            began = time.perf_counter()
            kind, status, expected = one(http, rng, token)
            local.setdefault(kind, []).append((time.perf_counter() - began) * 1000)
            if status == expected:
                continue
            if kind == "apply for a place" and status in (409, 422):
                local_refused.append(f"{kind}: {status}")  # a business rule said no
            else:
                local_errors.append(f"{kind}: {status}")
        with lock:
            for kind, values in local.items():
                results.setdefault(kind, []).extend(values)
            errors.extend(local_errors)
            refused.extend(local_refused)

    workers = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    return {"latencies": results, "errors": errors, "refused": refused, "seconds": seconds}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--threads", default="4,16", help="concurrency levels, comma-separated")
    parser.add_argument("--courses", type=int, default=20_000)
    parser.add_argument("--learners", type=int, default=40)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--no-write", action="store_true", help="do not update docs/BENCHMARKS.md")
    args = parser.parse_args()

    config = _server()
    _admin_execute(config, f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
    _admin_execute(config, f'CREATE DATABASE "{BENCH_DB}"')
    url = _url_for(config, BENCH_DB)
    server = None
    rows: list[tuple[str, int, str, list[float], int, float]] = []
    refusals = 0
    try:
        _django(url)
        print(f"Preparing {args.courses} courses and {args.learners} learners ...", flush=True)
        emails, cohorts = prepare(args.learners, args.courses)
        from django.db import connections

        connections.close_all()
        port = _free_port()
        server = subprocess.Popen(  # noqa: S603 - our own gunicorn on loopback
            [
                str(Path(sys.executable).parent / "gunicorn"),
                "config.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(args.workers),
                "--threads",
                "4",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env={**os.environ},
        )
        deadline = time.monotonic() + 60
        while Http(port).request("GET", "/healthz")[0] != 200:
            if server.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("gunicorn did not start")
            time.sleep(0.2)
        tokens = sign_in(port, emails)
        for threads in (int(t) for t in args.threads.split(",")):
            for mix in (False, True):
                label = "mix" if mix else "baseline /healthz"
                print(f"{threads} threads, {label}, {args.seconds} s ...", flush=True)
                result = drive(port, threads, args.seconds, mix, tokens, cohorts)
                total = sum(len(v) for v in result["latencies"].values())
                for kind, values in sorted(result["latencies"].items()):
                    errors = sum(1 for e in result["errors"] if e.startswith(kind + ":"))
                    rows.append((kind, threads, label, values, errors, len(values) / args.seconds))
                if mix:
                    every = [v for values in result["latencies"].values() for v in values]
                    rows.append(
                        (
                            "all of the mix",
                            threads,
                            label,
                            every,
                            len(result["errors"]),
                            total / args.seconds,
                        )
                    )
                if result["errors"]:
                    print("  errors:", sorted(set(result["errors"]))[:10], flush=True)
                if result["refused"]:
                    print(f"  refused (409/422): {len(result['refused'])}", flush=True)
                    refusals += len(result["refused"])
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        _admin_execute(config, f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')

    table = _table(rows)
    print(table)
    reads = [r for r in rows if r[0] in ("catalogue search", "wallet and statement")]
    top = max(r[1] for r in rows)
    worst = max(_percentile(r[3], 0.95) for r in reads if r[1] == top)
    errors = sum(r[4] for r in rows if r[0] == "all of the mix")
    verdict = "meets" if worst < 100 and errors == 0 else "MISSES"
    print(f"read p95 at {top} threads: {worst:.1f} ms, errors {errors} — {verdict} the aim")
    if not args.no_write:
        _write_markdown(args, table, top, worst, errors, verdict, refusals)
    return 0


def _table(rows: list[tuple[str, int, str, list[float], int, float]]) -> str:
    lines = [
        "| threads | workload | requests | req/s | p50 ms | p95 ms | p99 ms | errors |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for kind, threads, _label, values, errors, rate in rows:
        lines.append(
            f"| {threads} | {kind} | {len(values)} | {rate:.0f} | "
            f"{_percentile(values, 0.5):.1f} | {_percentile(values, 0.95):.1f} | "
            f"{_percentile(values, 0.99):.1f} | {errors} |"
        )
    return "\n".join(lines)


def _write_markdown(
    args: argparse.Namespace,
    table: str,
    top: int,
    worst: float,
    errors: int,
    verdict: str,
    refusals: int,
) -> None:
    path = ROOT / "docs" / "BENCHMARKS.md"
    text = path.read_text() if path.exists() else "# Benchmarks\n"
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    today = dt.datetime.now(dt.UTC).date()
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    section = (
        "<!-- bench-api:start -->\n"
        "## The API under load (`make bench-api`)\n\n"
        f"Measured {today:%Y-%m-%d} on {machine} (load average at the end: {load}); "
        f"gunicorn `config.wsgi`, {args.workers} workers × 4 threads, on the same PostgreSQL "
        f"server; {args.courses:,} courses, {args.learners} signed-in learners (allauth app "
        "tokens). The load generator runs on the same machine (loopback, keep-alive HTTP/1.1, "
        f"one thread per client), {args.seconds} s per run: first `/healthz` alone (the "
        "framework's ceiling), then the mix: catalogue search 60 %, wallet and statement "
        "25 %, applications for a place 15 % (each to a cohort the learner has not applied "
        "to; 201 expected, 409/422 counted as refusals by a business rule, not errors; "
        f"{refusals} in all runs). Errors are any other answer: 5xx, other 4xx, timeouts.\n\n"
        f"{table}\n\n"
        f"Result: read p95 {worst:.1f} ms at {top} threads with {errors} errors — {verdict} "
        "the aim (read p95 < 100 ms, no errors).\n"
        "<!-- bench-api:end -->"
    )
    if "<!-- bench-api:start -->" in text:
        text = re.sub(
            r"<!-- bench-api:start -->.*<!-- bench-api:end -->", section, text, flags=re.S
        )
    else:
        text = text.rstrip() + "\n\n" + section + "\n"
    path.write_text(text)


if __name__ == "__main__":
    sys.exit(main())
