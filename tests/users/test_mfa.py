"""TOTP activation and a TOTP login; roles that require MFA are refused without it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.utils import timezone
from rest_framework.test import APIClient

from tests.factories import PASSWORD, ProviderMembershipFactory, UserFactory
from tests.helpers import APP, post_json, totp_now

pytestmark = pytest.mark.django_db


def _login(client: APIClient, email: str) -> dict[str, Any]:
    response = post_json(client, f"{APP}/auth/login", {"email": email, "password": PASSWORD})
    return {"status": response.status_code, "body": response.json()}


def test_activate_totp_then_log_in_with_a_code() -> None:
    UserFactory.create(email="mo@example.org")
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client = APIClient()
        login = _login(client, "mo@example.org")
        assert login["status"] == 200
        token = login["body"]["meta"]["session_token"]
        auth = {"X-Session-Token": token}

        # No authenticator yet: allauth offers a fresh secret to put in an app.
        response = client.get(f"{APP}/account/authenticators/totp", headers=auth)
        assert response.status_code == 404
        secret = response.json()["meta"]["secret"]

        # Changing authenticators asks for the password again (allauth's reauthentication).
        response = post_json(
            client, f"{APP}/account/authenticators/totp", {"code": totp_now(secret)}, **auth
        )
        assert response.status_code == 401
        flow_ids = [flow["id"] for flow in response.json()["data"]["flows"]]
        assert "reauthenticate" in flow_ids
        response = post_json(client, f"{APP}/auth/reauthenticate", {"password": PASSWORD}, **auth)
        assert response.status_code == 200

        response = post_json(
            client, f"{APP}/account/authenticators/totp", {"code": "000000"}, **auth
        )
        assert response.status_code == 400
        assert response.json()["code"] == "incorrect_code"

        response = post_json(
            client, f"{APP}/account/authenticators/totp", {"code": totp_now(secret)}, **auth
        )
        assert response.status_code == 200, response.json()
        assert client.get("/api/v1/me", headers=auth).json()["mfa_enabled"] is True

        recovery = client.get(f"{APP}/account/authenticators/recovery-codes", headers=auth)
        assert recovery.status_code == 200
        recovery_codes = recovery.json()["data"]["unused_codes"]
        assert len(recovery_codes) >= 8

    # A new login now stops at the second factor.
    with time_machine.travel(start + dt.timedelta(seconds=90), tick=False):
        client = APIClient()
        login = _login(client, "mo@example.org")
        assert login["status"] == 401
        flows = {flow["id"]: flow for flow in login["body"]["data"]["flows"]}
        assert flows["mfa_authenticate"]["is_pending"] is True
        pending = {"X-Session-Token": login["body"]["meta"]["session_token"]}
        assert client.get("/api/v1/me", headers=pending).status_code == 401

        response = post_json(client, f"{APP}/auth/2fa/authenticate", {"code": "123456"}, **pending)
        assert response.status_code == 400

        response = post_json(
            client, f"{APP}/auth/2fa/authenticate", {"code": totp_now(secret)}, **pending
        )
        assert response.status_code == 200, response.json()
        token = response.json()["meta"]["session_token"]
        assert client.get("/api/v1/me", headers={"X-Session-Token": token}).status_code == 200

    # A recovery code works once in place of the app.
    with time_machine.travel(start + dt.timedelta(seconds=180), tick=False):
        client = APIClient()
        login = _login(client, "mo@example.org")
        pending = {"X-Session-Token": login["body"]["meta"]["session_token"]}
        response = post_json(
            client, f"{APP}/auth/2fa/authenticate", {"code": recovery_codes[0]}, **pending
        )
        assert response.status_code == 200


def test_provider_role_without_mfa_gets_mfa_required() -> None:
    membership = ProviderMembershipFactory.create()
    client = APIClient()
    client.force_authenticate(membership.user)
    response = client.get("/api/v1/providers/mine")
    assert response.status_code == 403
    body = response.json()
    assert body["code"] == "mfa_required"
    assert "two-factor" in body["detail"]
    assert body["extra"] == {}
    me = client.get("/api/v1/me").json()
    assert me["mfa_required"] is True
    assert me["mfa_enabled"] is False
