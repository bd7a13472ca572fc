"""Sign-up, email verification, login and /api/v1/me via allauth headless (session and token)."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client
from rest_framework.test import APIClient

from tests.factories import PASSWORD, UserFactory
from tests.helpers import APP, BROWSER, last_email_key, post_json

pytestmark = pytest.mark.django_db


def test_browser_signup_verify_login_and_me_with_the_session() -> None:
    client = Client()
    response = post_json(
        client, f"{BROWSER}/auth/signup", {"email": "ada@example.org", "password": PASSWORD}
    )
    # Signed up, but verification is pending: allauth answers 401 with the pending flow.
    assert response.status_code == 401
    flows = {flow["id"]: flow for flow in response.json()["data"]["flows"]}
    assert flows["verify_email"]["is_pending"] is True
    assert client.get("/api/v1/me").status_code in (401, 403)

    key = last_email_key()
    response = post_json(client, f"{BROWSER}/auth/email/verify", {"key": key})
    assert response.status_code == 200, response.json()
    assert response.json()["meta"]["is_authenticated"] is True

    me = client.get("/api/v1/me").json()
    assert me["email"] == "ada@example.org"
    assert me["email_verified"] is True
    assert me["roles"] == ["learner"]

    # Log out, then log in again with the password.
    assert client.delete(f"{BROWSER}/auth/session").status_code == 401
    assert client.get("/api/v1/me").status_code in (401, 403)
    response = post_json(
        client, f"{BROWSER}/auth/login", {"email": "ada@example.org", "password": PASSWORD}
    )
    assert response.status_code == 200
    assert client.get("/api/v1/me").json()["email"] == "ada@example.org"


def test_app_signup_verify_login_and_me_with_the_session_token() -> None:
    client = APIClient()
    response = post_json(
        client, f"{APP}/auth/signup", {"email": "grace@example.org", "password": PASSWORD}
    )
    assert response.status_code == 401
    pending_token = response.json()["meta"]["session_token"]

    response = post_json(
        client,
        f"{APP}/auth/email/verify",
        {"key": last_email_key()},
        **{"X-Session-Token": pending_token},
    )
    assert response.status_code == 200, response.json()
    token = response.json()["meta"]["session_token"]

    me = client.get("/api/v1/me", headers={"X-Session-Token": token})
    assert me.status_code == 200
    assert me.json()["email"] == "grace@example.org"

    # A fresh login on another device gets its own token.
    response = post_json(
        APIClient(), f"{APP}/auth/login", {"email": "grace@example.org", "password": PASSWORD}
    )
    assert response.status_code == 200
    other_token = response.json()["meta"]["session_token"]
    assert other_token != token
    assert client.get("/api/v1/me", headers={"X-Session-Token": other_token}).status_code == 200

    # Logging out ends that token.
    client.delete(f"{APP}/auth/session", headers={"X-Session-Token": other_token})
    response = client.get("/api/v1/me", headers={"X-Session-Token": other_token})
    assert response.status_code == 401
    assert response.json()["code"] in {"authentication_failed", "not_authenticated"}


def test_unverified_email_cannot_log_in() -> None:
    UserFactory.create(email="new@example.org", verified=False)
    response = post_json(
        Client(), f"{BROWSER}/auth/login", {"email": "new@example.org", "password": PASSWORD}
    )
    assert response.status_code == 401
    flows = {flow["id"]: flow for flow in response.json()["data"]["flows"]}
    assert flows["verify_email"]["is_pending"] is True


def test_wrong_password_is_refused_with_the_error_body() -> None:
    UserFactory.create(email="kim@example.org")
    response = post_json(
        Client(), f"{BROWSER}/auth/login", {"email": "kim@example.org", "password": "wrong-one"}
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "email_password_mismatch"
    assert "password" in body["detail"].lower()
    assert body["extra"]["errors"][0]["param"] == "password"


def test_repeated_wrong_passwords_are_throttled_even_with_the_right_one() -> None:
    UserFactory.create(email="lee@example.org")
    client = Client()
    statuses = [
        post_json(
            client, f"{BROWSER}/auth/login", {"email": "lee@example.org", "password": "nope"}
        ).status_code
        for _ in range(6)
    ]
    assert statuses[:5] == [400] * 5
    assert statuses[5] == 429
    response = post_json(
        client, f"{BROWSER}/auth/login", {"email": "lee@example.org", "password": PASSWORD}
    )
    assert response.status_code == 429
    body = response.json()
    assert body["code"] == "too_many_login_attempts"
    assert body["extra"]["errors"][0]["code"] == "too_many_login_attempts"


def test_signup_with_bad_input_gets_4xx_and_creates_nothing() -> None:
    from users.models import User

    client = Client()
    for data in (
        {"email": "not-an-email", "password": PASSWORD},
        {"email": "short@example.org", "password": "123"},
        {"password": PASSWORD},
        {"email": ["a@example.org"], "password": PASSWORD},
    ):
        response = post_json(client, f"{BROWSER}/auth/signup", data)
        assert response.status_code == 400, (data, response.content)
        body = response.json()
        assert body["code"]
        assert body["detail"]
        assert "errors" in body["extra"]
    response = client.post(f"{BROWSER}/auth/signup", "{not json", content_type="application/json")
    assert 400 <= response.status_code < 500
    assert User.objects.count() == 0
    assert mail.outbox == []


def test_password_reset_by_email_key() -> None:
    UserFactory.create(email="sam@example.org")
    client = Client()
    response = post_json(client, f"{BROWSER}/auth/password/request", {"email": "sam@example.org"})
    assert response.status_code == 200
    key = last_email_key("password/reset/key")
    response = post_json(
        client, f"{BROWSER}/auth/password/reset", {"key": key, "password": "a-new-long-passphrase"}
    )
    assert response.status_code in (200, 401), response.json()
    response = post_json(
        Client(),
        f"{BROWSER}/auth/login",
        {"email": "sam@example.org", "password": "a-new-long-passphrase"},
    )
    assert response.status_code == 200
