"""A PgBouncer (Debian's `pgbouncer`) in transaction mode on a free loopback port, in front of
the test database, that a test can stop and start again. Used by the ledger-through-a-pooler
test (tests/wallets) and the PgBouncer restart fault (tests/faults).

`.ci/run` and `make test` install Debian's `pgbouncer`; without it these tests fail and say
how to install it (they never skip: a pooler test that skips silently proves nothing)."""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.db import connection, connections

from config.database import apply_pool_mode


def pgbouncer_binary() -> str:
    found = shutil.which("pgbouncer") or next(
        (
            path
            for path in ("/usr/sbin/pgbouncer", "/usr/bin/pgbouncer")
            if os.access(path, os.X_OK)
        ),
        None,
    )
    if found is None:
        raise AssertionError(
            "pgbouncer is not installed: `apt-get install pgbouncer` (make test and .ci/run "
            "install it when they run as root)"
        )
    return found


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class PgBouncer:
    def __init__(self, *, pool_size: int = 20) -> None:
        db = connection.settings_dict
        # Decided now: while it runs, the settings point at PgBouncer itself, not the server.
        self.run_as = self.user_for(db["HOST"] or "")
        self.port = free_port()
        self.directory = Path(tempfile.mkdtemp(prefix="pgbouncer-"))
        self.directory.chmod(0o777)  # noqa: S103 - it runs as another user when we are root
        (self.directory / "users.txt").write_text(f'"{db["USER"]}" "{db["PASSWORD"] or ""}"\n')
        (self.directory / "pgbouncer.ini").write_text(
            "[databases]\n"
            f"* = host={db['HOST'] or '127.0.0.1'} port={db['PORT'] or 5432}\n"
            "[pgbouncer]\n"
            f"listen_addr = 127.0.0.1\nlisten_port = {self.port}\nunix_socket_dir =\n"
            f"auth_type = trust\nauth_file = {self.directory / 'users.txt'}\n"
            f"pool_mode = transaction\nmax_client_conn = 200\ndefault_pool_size = {pool_size}\n"
            "ignore_startup_parameters = extra_float_digits,options\n"
            f"logfile = {self.directory / 'pgbouncer.log'}\n"
        )
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 30) -> None:
        # PgBouncer opens its log after dropping to its user: a log left by an earlier start
        # must stay writable for it.
        log = self.directory / "pgbouncer.log"
        log.touch()
        log.chmod(0o666)  # noqa: S103 - a scratch log in our own temporary directory
        command = [pgbouncer_binary(), "-q", str(self.directory / "pgbouncer.ini")]
        if os.geteuid() == 0:  # PgBouncer refuses to run as root
            command[1:1] = ["-u", self.run_as]
        self.process = subprocess.Popen(command)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:  # until it accepts connections
            assert self.process.poll() is None, self.log()
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.02)
        raise AssertionError(f"pgbouncer did not start: {self.log()}")

    @staticmethod
    def user_for(host: str) -> str:
        """Who PgBouncer runs as when we are root: `nobody` for a server on TCP; for a server
        on a Unix socket (the embedded one), the owner of the socket's directory, the only
        user (besides root) who may open it."""
        if host.startswith("/"):
            return pwd.getpwuid(os.stat(host).st_uid).pw_name
        return "nobody"

    def stop(self) -> None:
        """Immediate shutdown (SIGTERM): every client and server connection is cut."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=30)
        self.process = None

    def log(self) -> str:
        path = self.directory / "pgbouncer.log"
        return path.read_text() if path.exists() else ""

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.directory, ignore_errors=True)


@contextmanager
def through_pgbouncer(*, pool_size: int = 20, this_thread_too: bool = False) -> Iterator[PgBouncer]:
    """New database connections go through a PgBouncer for the duration, configured as
    production must be behind one (`DATABASE_POOL_MODE=transaction`). With `this_thread_too`
    this thread's connection is closed so that it reconnects through the pooler as well;
    otherwise it stays direct."""
    bouncer = PgBouncer(pool_size=pool_size)
    bouncer.start()
    settings_dict = connections.settings["default"]
    saved = dict(settings_dict)
    if this_thread_too:
        connections.close_all()
    settings_dict.update(HOST="127.0.0.1", PORT=str(bouncer.port))
    apply_pool_mode(settings_dict, "transaction")
    try:
        yield bouncer
    finally:
        if this_thread_too:
            connections.close_all()
        settings_dict.clear()
        settings_dict.update(saved)
        bouncer.close()
