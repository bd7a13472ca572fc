"""Provider and funder data is visible only to their own people: elsewhere it is a 404."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tests.factories import (
    FunderFactory,
    FunderMembershipFactory,
    ProviderFactory,
    ProviderMembershipFactory,
)
from tests.helpers import client_for

pytestmark = pytest.mark.django_db


def test_provider_member_sees_own_provider_and_404_for_another() -> None:
    membership = ProviderMembershipFactory.create()
    other = ProviderFactory.create()
    client = client_for(membership.user, mfa=True)

    mine = client.get("/api/v1/providers/mine").json()
    assert [p["id"] for p in mine] == [membership.provider_id]
    assert client.get(f"/api/v1/providers/{membership.provider_id}").status_code == 200

    response = client.get(f"/api/v1/providers/{other.pk}")
    assert response.status_code == 404
    assert response.json() == {"detail": "Provider not found.", "code": "not_found", "extra": {}}
    # An id that does not exist at all answers exactly the same.
    assert client.get("/api/v1/providers/999999").json() == response.json()


def test_funder_member_sees_own_funder_and_404_for_another() -> None:
    membership = FunderMembershipFactory.create(role="auditor")
    other = FunderFactory.create()
    client = client_for(membership.user, mfa=True)
    assert [f["id"] for f in client.get("/api/v1/funders/mine").json()] == [membership.funder_id]
    assert client.get(f"/api/v1/funders/{membership.funder_id}").status_code == 200
    assert client.get(f"/api/v1/funders/{other.pk}").status_code == 404


def test_learner_without_roles_sees_no_providers(logged_in_client: APIClient) -> None:
    assert logged_in_client.get("/api/v1/providers/mine").json() == []
    provider = ProviderFactory.create()
    assert logged_in_client.get(f"/api/v1/providers/{provider.pk}").status_code == 404
