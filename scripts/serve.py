"""`make run`: migrate, load the demo (idempotent), print the logins, serve on 127.0.0.1:8000.

Runs inside `scripts/with_database.py`, which provides DATABASE_URL (embedded PostgreSQL when
unset) and stops that server when this ends.

Without STRIPE_SECRET_KEY, card payments go to a localstripe started here on 127.0.0.1
(`scripts/localstripe_server.py`, a free port): the SDK and the checkout page are pointed at
it and its webhook at this server, signed with a secret made for this run. It stops with
the server. With STRIPE_SECRET_KEY set, the STRIPE_* settings are used as they are.
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import urllib.parse
import urllib.request
from pathlib import Path
from types import FrameType

MANAGE = [sys.executable, "manage.py"]
ROOT = Path(__file__).resolve().parents[1]


def start_localstripe(address: str) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "scripts" / "localstripe_server.py"), "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    line = process.stdout.readline() if process.stdout else ""
    if "listening on" not in line:
        process.terminate()
        raise SystemExit(f"localstripe did not start: {line!r}")
    base = line.rsplit(" ", 1)[1].strip()
    webhook_secret = "whsec_local_" + secrets.token_hex(16)
    os.environ.update(
        {
            "STRIPE_SECRET_KEY": "sk_test_localstripe",
            "STRIPE_PUBLISHABLE_KEY": "pk_test_localstripe",
            "STRIPE_WEBHOOK_SECRET": webhook_secret,
            "STRIPE_API_BASE": base,
            "STRIPE_JS_URL": f"{base}/js.stripe.com/v3/",
        }
    )
    data = urllib.parse.urlencode(
        {"url": f"http://{address}/api/v1/payments/stripe/webhook", "secret": webhook_secret}
    ).encode()
    request = urllib.request.Request(  # noqa: S310 (our own localstripe, http on loopback)
        f"{base}/_config/webhooks/skills-wallet", data=data, method="POST"
    )
    with urllib.request.urlopen(request, timeout=10):  # noqa: S310
        pass
    print(f"Card payments: localstripe at {base} (test card 4242 4242 4242 4242).", flush=True)
    return process


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    address = os.environ.get("RUN_ADDRESS", "127.0.0.1:8000")
    localstripe = None if os.environ.get("STRIPE_SECRET_KEY") else start_localstripe(address)
    try:
        for step in (["migrate", "--no-input"], ["demo_load"]):
            result = subprocess.run([*MANAGE, *step], check=False)
            if result.returncode != 0:
                return result.returncode
        if localstripe is None:
            # Replace this process, so that signals (Ctrl-C, SIGTERM) reach the server directly.
            os.execv(sys.executable, [*MANAGE, "runserver", "--noreload", address])
        server = subprocess.Popen([*MANAGE, "runserver", "--noreload", address])

        def stop(signum: int, _frame: FrameType | None) -> None:
            server.send_signal(signum)

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        return server.wait()
    finally:
        if localstripe is not None:
            localstripe.terminate()
            localstripe.wait(timeout=10)


if __name__ == "__main__":
    sys.exit(main())
