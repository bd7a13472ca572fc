"""API conventions: unknown URLs, OpenAPI docs, health checks, request ids, throttling."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client, override_settings
from rest_framework.test import APIClient
from rest_framework.throttling import UserRateThrottle


def test_unknown_url_is_a_404_with_the_error_body(client: Client) -> None:
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    body = response.json()
    assert body["code"] == "not_found"
    assert body["extra"] == {"path": "/api/v1/no-such-thing"}


def test_healthz_answers_without_the_database(client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
@override_settings(REDIS_URL="")
def test_readyz_answers_ready_when_the_database_is_up(client: Client) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready", "database": "ok", "redis": "not_configured"}


@pytest.mark.django_db(transaction=True)
@override_settings(REDIS_URL="")
def test_readyz_answers_503_when_the_database_is_down(client: Client) -> None:
    original = dict(connection.settings_dict)
    connection.close()
    # A real connection attempt to a port where no server listens.
    connection.settings_dict.update(
        {"HOST": "127.0.0.1", "PORT": "1", "OPTIONS": {"connect_timeout": 2}}
    )
    try:
        response = client.get("/readyz")
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(original)
    assert response.status_code == 503
    assert response.json() == {
        "detail": "The database is not reachable.",
        "code": "database_unavailable",
        "extra": {"database": "unreachable", "redis": "not_configured"},
    }


@pytest.mark.django_db
def test_openapi_schema_and_swagger_ui_are_served(client: Client) -> None:
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert "/api/v1/me" in paths
    assert "403" in paths["/api/v1/providers/{provider_id}"]["get"]["responses"]
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    assert b"swagger" in docs.content.lower()


def test_request_id_is_echoed_or_made(client: Client) -> None:
    response = client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert response["X-Request-ID"] == "abc-123"
    response = client.get("/healthz", headers={"X-Request-ID": "bad id with spaces"})
    assert len(response["X-Request-ID"]) == 32


@pytest.mark.django_db
def test_api_calls_are_throttled(
    monkeypatch: pytest.MonkeyPatch, logged_in_client: APIClient
) -> None:
    monkeypatch.setattr(UserRateThrottle, "THROTTLE_RATES", {"user": "3/min"})
    statuses = [logged_in_client.get("/api/v1/me").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    response = logged_in_client.get("/api/v1/me")
    body = response.json()
    assert body["code"] == "throttled"
    assert body["extra"]["retry_after_seconds"] > 0
    assert int(response["Retry-After"]) > 0
