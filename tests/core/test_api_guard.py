"""Bad bodies and crashes under /api/ still get the error body, whatever the settings.

- JSON nested too deeply is refused before anything parses it (Python's json raises
  RecursionError on deep nesting: a 500), on the API and on the unauthenticated allauth
  endpoints alike.
- With DEBUG on, Django answers 404s, 400s and 500s with HTML debug pages; under /api/ they
  are the JSON error body, and a crash is logged once.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client, override_settings
from rest_framework.test import APIClient

from core.input_guard import MAX_JSON_DEPTH, json_too_deep
from tests.factories import PASSWORD, UserFactory
from tests.helpers import APP, BROWSER
from users.models import User

ROOT = Path(__file__).resolve().parents[2]

DEEP = "[" * 100_000 + "]" * 100_000
DEEP_OBJECT = '{"a":' * 50_000 + "1" + "}" * 50_000


# --- Depth of JSON bodies ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "too_deep"),
    [
        (b"{}", False),
        (b'{"sessions": [{"date": "2026-01-01", "present": true}]}', False),
        (b"[" * MAX_JSON_DEPTH + b"]" * MAX_JSON_DEPTH, False),
        (b"[" * (MAX_JSON_DEPTH + 1) + b"]" * (MAX_JSON_DEPTH + 1), True),
        (b'{"a": "' + b"[" * 10_000 + b'"}', False),  # brackets inside a string
        (b'{"a": "\\"' + b"[" * 10_000 + b'"}', False),  # after an escaped quote
        (b'{"a": "\\\\"' + b", " + b"[" * 100, True),  # an escaped backslash ends the string
        (b"[" * 100_000, True),  # unbalanced and deep
        (b'"unterminated ' + b"{" * 100_000, False),  # one long unterminated string
        (b'"' + b'\\"' * 100_000 + b'"' + b"[" * 40, True),  # many escapes, then nesting
    ],
)
def test_json_depth_is_measured_outside_strings(body: bytes, too_deep: bool) -> None:
    assert json_too_deep(body) is too_deep


@pytest.mark.django_db
@pytest.mark.parametrize("body", [DEEP, DEEP_OBJECT])
def test_deeply_nested_json_to_the_api_is_a_400_and_changes_nothing(body: str) -> None:
    user = UserFactory.create(full_name="Ada Lovelace")
    client = APIClient()
    client.force_authenticate(user)
    response = client.patch("/api/v1/me", body, content_type="application/json")
    assert response.status_code == 400
    payload = response.json()
    assert payload["code"] == "parse_error"
    assert payload["extra"] == {"max_depth": MAX_JSON_DEPTH}
    user.refresh_from_db()
    assert user.full_name == "Ada Lovelace"


@pytest.mark.django_db
def test_nesting_within_the_limit_reaches_validation() -> None:
    user = UserFactory.create(full_name="Ada Lovelace")
    client = APIClient()
    client.force_authenticate(user)
    nested = {"full_name": [[["deep but fine"]]]}
    response = client.patch("/api/v1/me", nested, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    name = "[" * 150
    response = client.patch("/api/v1/me", {"full_name": name}, format="json")
    assert response.status_code == 200
    assert response.json()["full_name"] == name


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        f"{BROWSER}/auth/login",
        f"{APP}/auth/login",
        f"{APP}/auth/signup",
        f"{APP}/auth/password/request",
    ],
)
@pytest.mark.parametrize("body", [DEEP, DEEP_OBJECT])
def test_deeply_nested_json_to_the_sign_in_endpoints_is_a_400(url: str, body: str) -> None:
    response = Client().post(url, body, content_type="application/json")
    assert response.status_code == 400
    payload = response.json()
    assert payload["code"] == "parse_error"
    assert payload["detail"]
    assert not User.objects.exists()


@pytest.mark.django_db
def test_sign_in_with_a_plain_body_still_works() -> None:
    user = UserFactory.create()
    response = Client().post(
        f"{APP}/auth/login",
        json.dumps({"email": user.email, "password": PASSWORD}),
        content_type="application/json",
    )
    assert response.status_code == 200, response.content


# --- The error body under /api/ with DEBUG on -------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("debug", [True, False])
def test_an_unknown_api_url_is_the_json_404_whatever_debug_says(debug: bool) -> None:
    with override_settings(DEBUG=debug):
        response = Client().get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "detail": "Not found.",
        "code": "not_found",
        "extra": {"path": "/api/v1/no-such-thing"},
    }


@pytest.mark.django_db
@pytest.mark.parametrize("debug", [True, False])
def test_a_crash_in_an_api_view_is_the_json_500_and_is_logged_once(
    debug: bool, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def crash(**kwargs: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr("users.apis.me_get", crash)
    client = Client(raise_request_exception=False)
    client.force_login(UserFactory.create())
    with override_settings(DEBUG=debug), caplog.at_level(logging.ERROR):
        response = client.get("/api/v1/me", headers={"X-Request-ID": "req-42"})
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "detail": "Internal server error.",
        "code": "server_error",
        "extra": {"request_id": "req-42"},
    }
    assert b"a bug" not in response.content
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1, [r.getMessage() for r in errors]
    assert errors[0].exc_info is not None
    assert "a bug" in str(errors[0].exc_info[1])


@pytest.mark.django_db
@pytest.mark.parametrize("debug", [True, False])
def test_a_bad_host_under_api_is_the_json_400(debug: bool) -> None:
    with override_settings(DEBUG=debug):
        response = Client().get("/api/v1/me", headers={"Host": "evil.example"})
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "bad_request"


@pytest.mark.django_db
def test_pages_outside_the_api_are_left_alone() -> None:
    with override_settings(DEBUG=True):
        response = Client().get("/no-such-page")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_every_settings_module_installs_both_guards() -> None:
    # Settings modules are read in a fresh interpreter: each one is a module-level import.
    from tests.config.test_settings import PRODUCTION_ENV

    env = {**os.environ, **PRODUCTION_ENV}
    env.pop("DJANGO_SETTINGS_MODULE")
    code = (
        "import importlib\n"
        "for name in ('local', 'test', 'production'):\n"
        "    module = importlib.import_module(f'config.settings.{name}')\n"
        "    guards = {'config.middleware.ApiErrorBodyMiddleware',\n"
        "              'config.middleware.RequestBodyGuardMiddleware'}\n"
        "    print(name, guards <= set(module.MIDDLEWARE))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[:3] == ["local True", "test True", "production True"]


@pytest.mark.django_db
def test_a_body_over_the_upload_limit_is_a_413_with_the_error_body() -> None:
    user = UserFactory.create(full_name="Ada Lovelace")
    client = APIClient()
    client.force_authenticate(user)
    with override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1_000):
        response = client.patch("/api/v1/me", {"full_name": "x" * 2_000}, format="json")
    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"
    user.refresh_from_db()
    assert user.full_name == "Ada Lovelace"
