"""/api/v1/me: roles and memberships, profile updates, and the error body on bad input."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from tests.factories import (
    FunderMembershipFactory,
    ProviderMembershipFactory,
    UserFactory,
    give_totp,
)
from users.models import User

pytestmark = pytest.mark.django_db


def test_me_lists_roles_and_memberships_in_a_fixed_number_of_queries() -> None:
    user = UserFactory.create(full_name="Priya Shah")
    give_totp(user)
    provider_membership = ProviderMembershipFactory.create(user=user, role="admin")
    funder_membership = FunderMembershipFactory.create(user=user, role="auditor")
    client = APIClient()
    client.force_authenticate(user)

    with CaptureQueriesContext(connection) as queries:
        me = client.get("/api/v1/me").json()
    assert me["full_name"] == "Priya Shah"
    assert me["roles"] == ["learner", "funder_auditor", "provider_admin"]
    assert me["mfa_required"] is True
    assert me["mfa_enabled"] is True
    assert {(m["kind"], m["organisation_id"], m["role"]) for m in me["memberships"]} == {
        ("provider", provider_membership.provider_id, "admin"),
        ("funder", funder_membership.funder_id, "auditor"),
    }
    FunderMembershipFactory.create(user=user)
    ProviderMembershipFactory.create(user=user)
    with CaptureQueriesContext(connection) as more_queries:
        client.get("/api/v1/me")
    assert len(more_queries) == len(queries)


def test_platform_staff_is_a_role() -> None:
    staff = UserFactory.create(is_staff=True)
    client = APIClient()
    client.force_authenticate(staff)
    assert client.get("/api/v1/me").json()["roles"] == ["learner", "platform_staff"]


def test_update_name(logged_in_client: APIClient) -> None:
    response = logged_in_client.patch("/api/v1/me", {"full_name": "  Ada Lovelace "}, format="json")
    assert response.status_code == 200
    assert response.json()["full_name"] == "Ada Lovelace"


def test_validation_error_has_the_error_body_and_changes_nothing(
    logged_in_client: APIClient, user: User
) -> None:
    before = user.full_name
    response = logged_in_client.patch("/api/v1/me", {"full_name": "x" * 201}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert body["detail"].startswith("full_name:")
    assert "full_name" in body["extra"]["fields"]
    user.refresh_from_db()
    assert user.full_name == before


def test_patch_is_a_partial_update(logged_in_client: APIClient, user: User) -> None:
    # Only the fields sent change; a field that cannot be changed here is ignored.
    user.full_name = "Ada Lovelace"
    user.save(update_fields=["full_name"])
    for body in ({}, {"email": "someone.else@example.org"}, {"is_staff": True}):
        response = logged_in_client.patch("/api/v1/me", body, format="json")
        assert response.status_code == 200, response.json()
        assert response.json()["full_name"] == "Ada Lovelace"
        assert response.json()["email"] == user.email
        assert response.json()["is_staff"] is False
    response = logged_in_client.patch("/api/v1/me", {"full_name": "Ada King"}, format="json")
    assert response.json()["full_name"] == "Ada King"
    user.refresh_from_db()
    assert (user.full_name, user.is_staff) == ("Ada King", False)


def test_malformed_json_and_wrong_media_type_are_4xx(logged_in_client: APIClient) -> None:
    response = logged_in_client.patch("/api/v1/me", "{oops", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"

    response = logged_in_client.patch("/api/v1/me", "full_name=x", content_type="text/plain")
    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"

    response = logged_in_client.post("/api/v1/me", {}, format="json")
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


def test_anonymous_is_401_with_the_error_body(api_client: APIClient) -> None:
    response = api_client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.json() == {
        "detail": "Authentication credentials were not provided.",
        "code": "not_authenticated",
        "extra": {},
    }
    response = api_client.get("/api/v1/me", headers={"X-Session-Token": "made-up"})
    assert response.status_code == 401
