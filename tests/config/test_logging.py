"""Production logs are JSON lines that carry the request id of the request that wrote them."""

from __future__ import annotations

import io
import json
import logging
import logging.config

import pytest
from django.http import HttpRequest, HttpResponse

from config.middleware import RequestIdMiddleware
from config.settings.base import LOGGING


def test_json_log_lines_carry_the_request_id() -> None:
    stream = io.StringIO()
    config = json.loads(json.dumps(LOGGING))  # a copy of the shipped configuration
    config["handlers"]["console"]["formatter"] = "json"  # as config/settings/production.py sets
    config["handlers"]["console"]["stream"] = stream
    config["root"]["handlers"] = ["console"]
    logging.config.dictConfig(config)
    try:

        def view(request: HttpRequest) -> HttpResponse:
            logging.getLogger("skills_wallet.test").warning("grant refused")
            return HttpResponse("ok")

        request = HttpRequest()
        request.META["HTTP_X_REQUEST_ID"] = "req-42"
        response = RequestIdMiddleware(view)(request)
    finally:
        logging.config.dictConfig({"version": 1, "disable_existing_loggers": False})
    line = json.loads(stream.getvalue().strip().splitlines()[-1])
    assert line["message"] == "grant refused"
    assert line["request_id"] == "req-42"
    assert line["level"] == "WARNING"
    assert response["X-Request-ID"] == "req-42"


@pytest.mark.django_db
def test_a_client_error_is_logged_once(caplog: pytest.LogCaptureFixture) -> None:
    from django.test import Client

    client = Client()
    for path, method in (
        ("/api/v1/no-such-thing", "get"),
        ("/api/v1/wallet", "get"),
        ("/api/v1/repayments/calculate", "post"),
    ):
        caplog.clear()
        with caplog.at_level(logging.INFO):
            getattr(client, method)(path, {"plan": "zzz"} if method == "post" else None)
        records = [r for r in caplog.records if path in r.getMessage()]
        assert len(records) == 1, [r.getMessage() for r in caplog.records]
        assert records[0].levelname == "WARNING"
