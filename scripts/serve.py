"""`make run`: migrate, load the demo (idempotent), print the logins, serve on 127.0.0.1:8000.

Runs inside `scripts/with_database.py`, which provides DATABASE_URL (embedded PostgreSQL when
unset) and stops that server when this ends.
"""

from __future__ import annotations

import os
import subprocess
import sys

MANAGE = [sys.executable, "manage.py"]


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    for step in (["migrate", "--no-input"], ["demo_load"]):
        result = subprocess.run([*MANAGE, *step], check=False)
        if result.returncode != 0:
            return result.returncode
    address = os.environ.get("RUN_ADDRESS", "127.0.0.1:8000")
    # Replace this process, so that signals (Ctrl-C, SIGTERM) reach the server directly.
    os.execv(sys.executable, [*MANAGE, "runserver", "--noreload", address])
    return None


if __name__ == "__main__":
    sys.exit(main())
