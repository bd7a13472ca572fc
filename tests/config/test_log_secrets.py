"""Secrets never reach the logs: every record written while people sign in (password, TOTP
code, session token) and while an officer moves money (session token, `Authorization`,
`Idempotency-Key`'d grant) is formatted as production writes it (JSON, through the console
handler's filters) and searched for each secret."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from django.utils.module_loading import import_string
from pythonjsonlogger.json import JsonFormatter
from rest_framework.test import APIClient

from config.logging import REDACTED, SecretRedactingFilter
from config.settings import base
from tests.factories import PASSWORD, UserFactory, give_totp, make_programme
from tests.helpers import APP, post_json, second_factor_code
from wallets.models import Grant

# Production's logging is the base one with the JSON formatter on the console handler.
PRODUCTION_LOGGING: dict[str, Any] = base.LOGGING


@pytest.fixture
def production_log() -> Iterator[io.StringIO]:
    """Every record from every logger, at DEBUG, as the production console handler writes it."""
    config = PRODUCTION_LOGGING
    json_format = {k: v for k, v in config["formatters"]["json"].items() if k != "()"}
    handler = logging.StreamHandler(stream := io.StringIO())
    handler.setFormatter(JsonFormatter(**json_format))
    for name in config["handlers"]["console"]["filters"]:
        handler.addFilter(import_string(config["filters"][name]["()"])())
    root = logging.getLogger()
    levels = {name: logging.getLogger(name).level for name in ["", "django", "allauth"]}
    root.addHandler(handler)
    for name in levels:
        logging.getLogger(name).setLevel(logging.DEBUG)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)


@pytest.mark.django_db
def test_signing_in_and_moving_money_log_no_secret(production_log: io.StringIO) -> None:
    programme = make_programme(budget=1_000_000, allowance=300_000, regions=["West Midlands"])
    officer = programme.funder.memberships.get().user
    give_totp(officer)
    learner = UserFactory.create(email="learner@example.org")
    client = APIClient(REMOTE_ADDR="192.0.2.10")
    # From here on only what the application logs (the test factories log the password).
    production_log.seek(0)
    production_log.truncate()

    wrong_password = "Wr0ng-Horse-Battery-Staple"
    refused = post_json(
        client, f"{APP}/auth/login", {"email": officer.email, "password": wrong_password}
    )
    assert refused.status_code == 400
    login = post_json(client, f"{APP}/auth/login", {"email": officer.email, "password": PASSWORD})
    assert login.status_code == 401  # the second factor is next
    pending_token = login.json()["meta"]["session_token"]
    post_json(
        client,
        f"{APP}/auth/2fa/authenticate",
        {"code": "000000"},
        **{"X-Session-Token": pending_token},
    )
    code = second_factor_code(officer)
    done = post_json(
        client, f"{APP}/auth/2fa/authenticate", {"code": code}, **{"X-Session-Token": pending_token}
    )
    assert done.status_code == 200, done.json()
    token = done.json()["meta"]["session_token"]

    bearer = "sk_live_51NotARealKeyButShapedLikeOne"
    client.credentials(HTTP_X_SESSION_TOKEN=token, HTTP_AUTHORIZATION=f"Bearer {bearer}")
    url = f"/api/v1/funder/programmes/{programme.pk}/grants"
    body = {"learner_email": learner.email, "amount": 100_000}
    for _ in range(2):  # the retry answers from the stored first answer
        granted = client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="grant-log-1")
        assert granted.status_code == 201, granted.json()
    refused_grant = client.post(url, {"learner_email": "nobody@example.org"}, format="json")
    assert refused_grant.status_code in (400, 404, 422)
    assert Grant.objects.count() == 1

    log = production_log.getvalue()
    assert log  # the requests were logged: a test of an empty log would prove nothing
    for secret in [PASSWORD, wrong_password, code, pending_token, token, bearer]:
        assert secret not in log, secret


def test_a_secret_written_into_a_log_line_is_redacted(production_log: io.StringIO) -> None:
    logger = logging.getLogger("tests.secrets")
    logger.warning("login failed for %s", {"email": "a@example.org", "password": "hunter2"})
    logger.warning("headers: Authorization: Bearer abc.def.ghi, X-Session-Token: tok-123")
    logger.warning("posted", extra={"session_token": "tok-456", "amount": 100})
    log = production_log.getvalue()
    for secret in ["hunter2", "abc.def.ghi", "tok-123", "tok-456"]:
        assert secret not in log
    assert log.count(REDACTED) == 4
    assert "a@example.org" in log  # what is not secret stays
    assert '"amount": 100' in log


def test_the_console_handler_redacts() -> None:
    assert "redact_secrets" in PRODUCTION_LOGGING["handlers"]["console"]["filters"]
    assert PRODUCTION_LOGGING["filters"]["redact_secrets"]["()"] == (
        f"{SecretRedactingFilter.__module__}.{SecretRedactingFilter.__qualname__}"
    )
