"""A real localstripe for the test session, on a free loopback port (scripts/localstripe_server.py).

- `localstripe`: session fixture, the base URL of the running localstripe.
- `stripe_settings`: per test, points the gateway at it (secret key, API base, webhook secret,
  Stripe.js URL).
- `pay_intent(base, intent_id, card)`: what a learner's browser does, done directly against
  localstripe: attach a test payment method and confirm. `pm_card_visa` succeeds;
  `pm_card_chargeCustomerFail` is declined when charged.
- `stripe_events(base, type)`: the events localstripe recorded, newest first.
- `sign(payload, secret)`: a Stripe-Signature header for a webhook body.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

ROOT = Path(__file__).resolve().parents[1]
SECRET_KEY = "sk_test_localstripe"
PUBLISHABLE_KEY = "pk_test_localstripe"
WEBHOOK_SECRET = "whsec_test_localstripe"


@pytest.fixture(scope="session")
def localstripe() -> Iterator[str]:
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "scripts" / "localstripe_server.py"), "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        if "listening on" not in line:
            pytest.fail(f"localstripe did not start: {line!r}", pytrace=False)
        yield line.rsplit(" ", 1)[1].strip()
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def stripe_settings(settings: Any, localstripe: str) -> str:
    settings.STRIPE_SECRET_KEY = SECRET_KEY
    settings.STRIPE_PUBLISHABLE_KEY = PUBLISHABLE_KEY
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.STRIPE_API_BASE = localstripe
    settings.STRIPE_JS_URL = f"{localstripe}/js.stripe.com/v3/"
    return localstripe


def _auth() -> dict[str, str]:
    return {"Authorization": f"Bearer {SECRET_KEY}"}


def pay_intent(base: str, intent_id: str, payment_method: str = "pm_card_visa") -> dict[str, Any]:
    requests.post(
        f"{base}/v1/payment_intents/{intent_id}",
        data={"payment_method": payment_method},
        headers=_auth(),
        timeout=10,
    ).raise_for_status()
    answer = requests.post(
        f"{base}/v1/payment_intents/{intent_id}/confirm", headers=_auth(), timeout=10
    )
    body: dict[str, Any] = answer.json()
    return body


def stripe_events(base: str, event_type: str, object_id: str) -> list[dict[str, Any]]:
    """localstripe's recorded events of a type about one object (it schedules the webhook
    a second later, but records the event at once)."""
    for _ in range(20):
        found = [
            event
            for event in _all_events(base)
            if event["type"] == event_type and event["data"]["object"]["id"] == object_id
        ]
        if found:
            return found
        time.sleep(0.1)
    return []


def _all_events(base: str) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    params: dict[str, Any] = {"limit": 100}
    while True:
        answer = requests.get(f"{base}/v1/events", headers=_auth(), params=params, timeout=10)
        answer.raise_for_status()
        page = answer.json()
        events.extend(page["data"])
        if not page.get("has_more") or not page["data"]:
            return events
        params["starting_after"] = page["data"][-1]["id"]


def sign(payload: bytes, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> str:
    timestamp = int(time.time()) if timestamp is None else timestamp
    signed = f"{timestamp}.".encode() + payload
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def event_body(event: dict[str, Any]) -> bytes:
    return json.dumps(event).encode()
