"""Deployment defaults that fail safe: entry points default to production settings, readiness
covers Redis, and rate limits key on the client address the deployment trusts."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client, override_settings
from rest_framework.throttling import AnonRateThrottle

from tests.config.test_settings import PRODUCTION_ENV
from tests.factories import PASSWORD, UserFactory
from tests.helpers import BROWSER, post_json

ROOT = Path(__file__).resolve().parents[2]
DEAD_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1


def _python(code: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in PRODUCTION_ENV and k not in {"REDIS_URL", "DJANGO_DEBUG", "NUM_PROXIES"}
    }
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


# --- Entry points: production settings unless told otherwise --------------------------------

ENTRY_POINTS = {
    "wsgi": "import config.wsgi",
    "asgi": "import config.asgi",
    "celery": "from config.celery_app import app; app.conf.broker_url",
}
SHOW_SETTINGS = (
    "; from django.conf import settings; print(settings.SETTINGS_MODULE, settings.DEBUG)"
)


@pytest.mark.parametrize("entry_point", sorted(ENTRY_POINTS))
def test_entry_points_without_a_settings_module_refuse_to_start_without_secrets(
    entry_point: str,
) -> None:
    result = _python(ENTRY_POINTS[entry_point], env={})
    assert result.returncode != 0, result.stdout
    assert "must be set in production" in result.stderr


@pytest.mark.parametrize("entry_point", sorted(ENTRY_POINTS))
def test_entry_points_without_a_settings_module_run_with_production_settings(
    entry_point: str,
) -> None:
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "DJANGO_SETTINGS_MODULE"}
    result = _python(ENTRY_POINTS[entry_point] + SHOW_SETTINGS, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["config.settings.production", "False"]


def test_manage_py_keeps_local_settings_for_developers() -> None:
    result = _python(
        "import runpy, sys; sys.argv = ['manage.py', 'diffsettings', '--output', 'unified'];"
        " runpy.run_path('manage.py', run_name='__main__')",
        env={},
    )
    assert result.returncode == 0, result.stderr
    assert "+ DEBUG = True" in result.stdout


# --- Readiness: the database and Redis --------------------------------------------------------


@pytest.mark.django_db
@override_settings(REDIS_URL=DEAD_REDIS)
def test_readyz_answers_503_naming_redis_when_redis_is_unreachable(client: Client) -> None:
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {
        "detail": "Not ready: Redis is not reachable.",
        "code": "redis_unavailable",
        "extra": {"database": "ok", "redis": "unreachable"},
    }


@pytest.mark.django_db
@pytest.mark.redis
@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs REDIS_URL (CI sets it)")
def test_readyz_reports_the_database_and_redis_when_both_answer(client: Client) -> None:
    with override_settings(REDIS_URL=os.environ["REDIS_URL"]):
        response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready", "database": "ok", "redis": "ok"}


def test_production_keeps_its_cache_and_broker_in_redis() -> None:
    env = {**PRODUCTION_ENV, "REDIS_URL": "redis://cache.internal:6379/0"}
    result = _python(
        "import django; django.setup(); from django.conf import settings;"
        " print(settings.CACHES['default']['BACKEND']); print(settings.CELERY_BROKER_URL);"
        " print(settings.CELERY_TASK_ALWAYS_EAGER)",
        env=env,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.core.cache.backends.redis.RedisCache",
        "redis://cache.internal:6379/0",
        "False",
    ]


# --- The client address: one setting for DRF's throttles and allauth's rate limits ------------


def test_one_setting_says_how_many_proxies_are_trusted() -> None:
    assert settings.NUM_PROXIES == 0
    assert settings.REST_FRAMEWORK["NUM_PROXIES"] == 0
    env = {"DJANGO_SETTINGS_MODULE": "config.settings.test", "NUM_PROXIES": "1"}
    result = _python(
        "import django; django.setup(); from django.conf import settings;"
        " from rest_framework.settings import api_settings;"
        " print(settings.NUM_PROXIES, api_settings.NUM_PROXIES,"
        " settings.ALLAUTH_TRUSTED_PROXY_COUNT)",
        env=env,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["1", "1", "1"]


@pytest.mark.django_db
def test_rotating_x_forwarded_for_does_not_escape_the_anonymous_throttle(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "3/min"})
    client = Client(REMOTE_ADDR="198.51.100.20")
    statuses = [
        client.get("/api/v1/courses", headers={"X-Forwarded-For": f"203.0.113.{n}"}).status_code
        for n in range(5)
    ]
    assert statuses == [200, 200, 200, 429, 429]


def _behind_one_proxy() -> override_settings:
    # What `NUM_PROXIES=1` in the environment sets (see the test above).
    return override_settings(
        NUM_PROXIES=1, REST_FRAMEWORK={**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    )


@pytest.mark.django_db
def test_behind_one_proxy_the_anonymous_throttle_counts_each_real_client(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "3/min"})
    proxy = Client(REMOTE_ADDR="10.0.0.1")  # every request arrives from the proxy

    def get(real_client: str, spoofed: str) -> int:
        # The proxy appends the address it saw to whatever the client sent.
        xff = f"{spoofed}, {real_client}"
        return proxy.get("/api/v1/courses", headers={"X-Forwarded-For": xff}).status_code

    with _behind_one_proxy():
        assert [get("203.0.113.5", f"192.0.2.{n}") for n in range(4)] == [200, 200, 200, 429]
        assert get("198.51.100.7", "192.0.2.1") == 200


@pytest.mark.django_db
def test_behind_one_proxy_failed_logins_lock_out_only_the_client_that_failed() -> None:
    UserFactory.create(email="victim@example.org")
    proxy = Client(REMOTE_ADDR="10.0.0.1")

    def login(real_client: str, email: str, password: str) -> int:
        return post_json(
            proxy,
            f"{BROWSER}/auth/login",
            {"email": email, "password": password},
            **{"X-Forwarded-For": real_client},
        ).status_code

    with _behind_one_proxy():
        # Ten failures a minute from one address (on different accounts) lock that address...
        for n in range(10):
            assert login("203.0.113.5", f"guess{n}@example.org", "wrong") == 400
        assert login("203.0.113.5", "victim@example.org", PASSWORD) == 429
        # ...and nobody else behind the same proxy.
        assert login("198.51.100.7", "victim@example.org", PASSWORD) == 200


# --- Under /api/, every error is the JSON error body, whatever the settings -----------------


@override_settings(DEBUG=True)
def test_an_unknown_api_url_is_the_json_error_body_even_with_debug_on(client: Client) -> None:
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.json() == {
        "detail": "Not found.",
        "code": "not_found",
        "extra": {"path": "/api/v1/no-such-thing"},
    }


@override_settings(DEBUG=True, ROOT_URLCONF="tests.config.crash_urls")
def test_a_crash_under_the_api_is_the_json_error_body_even_with_debug_on() -> None:
    client = Client(raise_request_exception=False)
    response = client.get("/api/v1/crash", headers={"X-Request-ID": "crash-1"})
    assert response.status_code == 500
    assert response.json() == {
        "detail": "Internal server error.",
        "code": "server_error",
        "extra": {"request_id": "crash-1"},
    }
