"""Provider registration, approval workflow, team and invitations."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail

from core.errors import Forbidden
from providers.errors import InvalidStatusChange
from providers.models import Provider, ProviderMembership, ProviderStatusChange
from providers.services import provider_set_status
from tests.factories import ProviderFactory, ProviderMembershipFactory, UserFactory
from tests.helpers import client_for

pytestmark = pytest.mark.django_db


REGISTRATION = {
    "legal_name": "Midlands Data School Ltd",
    "trading_name": "Midlands Data School",
    "ukprn": "10012345",
    "town": "Wolverhampton",
    "postcode": "WV1 1AA",
    "website": "https://midlandsdata.example",
    "contact_email": "hello@midlandsdata.example",
}


def test_register_a_provider_and_become_its_admin() -> None:
    user = UserFactory.create()
    client = client_for(user, mfa=True)
    response = client.post("/api/v1/providers", REGISTRATION, format="json")
    assert response.status_code == 201
    assert response.json()["status"] == "pending"
    provider = Provider.objects.get(ukprn="10012345")
    assert ProviderMembership.objects.get(user=user, provider=provider).role == "admin"
    again = client_for(UserFactory.create(), mfa=True).post(
        "/api/v1/providers", REGISTRATION, format="json"
    )
    assert again.status_code == 409
    assert again.json()["code"] == "ukprn_taken"


@pytest.mark.parametrize("ukprn", ["1234567", "20012345", "1001234X", "100123456", "", "1 001234"])
def test_ukprn_must_be_8_digits_starting_with_1(ukprn: str) -> None:
    response = client_for(UserFactory.create(), mfa=True).post(
        "/api/v1/providers", {**REGISTRATION, "ukprn": ukprn}, format="json"
    )
    assert response.status_code == 400
    assert "ukprn" in response.json()["extra"]["fields"]
    assert not Provider.objects.exists()


def test_approval_workflow_keeps_every_decision_and_reason() -> None:
    provider = ProviderFactory.create(status="pending")
    staff = UserFactory.create(is_staff=True)
    with pytest.raises(Forbidden):
        provider_set_status(
            actor=UserFactory.create(), provider=provider, status="approved", reason="ok"
        )
    with pytest.raises(InvalidStatusChange):
        provider_set_status(
            actor=staff, provider=provider, status="suspended", reason="not yet approved"
        )
    provider_set_status(
        actor=staff, provider=provider, status="approved", reason="Checked UKPRN and Ofsted report"
    )
    provider_set_status(
        actor=staff, provider=provider, status="suspended", reason="Learner complaints"
    )
    provider_set_status(
        actor=staff, provider=provider, status="approved", reason="Complaints resolved"
    )
    provider_set_status(actor=staff, provider=provider, status="delisted", reason="Ceased trading")
    with pytest.raises(InvalidStatusChange):
        provider_set_status(actor=staff, provider=provider, status="approved", reason="back?")
    history = list(
        ProviderStatusChange.objects.filter(provider=provider)
        .order_by("created_at", "pk")
        .values_list("from_status", "to_status", "reason")
    )
    assert history == [
        ("pending", "approved", "Checked UKPRN and Ofsted report"),
        ("approved", "suspended", "Learner complaints"),
        ("suspended", "approved", "Complaints resolved"),
        ("approved", "delisted", "Ceased trading"),
    ]
    provider.refresh_from_db()
    assert provider.status == "delisted"
    assert provider.status_reason == "Ceased trading"


def test_admin_invites_staff_who_accept_with_their_own_account(
    django_capture_on_commit_callbacks: Any,
) -> None:
    admin = ProviderMembershipFactory.create(role="admin")
    client = client_for(admin.user, mfa=True)
    url = f"/api/v1/providers/{admin.provider_id}/invitations"
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(url, {"email": "Tutor@Example.org", "role": "staff"}, format="json")
        assert mail.outbox == []  # the email waits for the commit
    assert response.status_code == 201
    assert len(callbacks) == 1
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["tutor@example.org"]
    token = re.search(r"/providers/invitations/(\S+)", str(mail.outbox[0].body)).group(1)  # type: ignore[union-attr]

    stranger = client_for(UserFactory.create(email="someone.else@example.org"))
    response = stranger.post("/api/v1/provider-invitations/accept", {"token": token}, format="json")
    assert response.status_code == 422
    assert response.json()["code"] == "invitation_for_someone_else"

    tutor = UserFactory.create(email="tutor@example.org")
    response = client_for(tutor).post(
        "/api/v1/provider-invitations/accept", {"token": token}, format="json"
    )
    assert response.status_code == 201
    assert ProviderMembership.objects.get(user=tutor).role == "staff"
    used = client_for(tutor).post(
        "/api/v1/provider-invitations/accept", {"token": token}, format="json"
    )
    assert used.status_code == 404
    team = client.get(f"/api/v1/providers/{admin.provider_id}/team").json()
    assert {m["email"] for m in team["members"]} == {admin.user.email, "tutor@example.org"}
    assert team["invitations"] == []


def test_staff_cannot_manage_staff_or_the_profile() -> None:
    staff = ProviderMembershipFactory.create(role="staff")
    admin = ProviderMembershipFactory.create(provider=staff.provider, role="admin")
    client = client_for(staff.user, mfa=True)
    pid = staff.provider_id
    assert client.get(f"/api/v1/providers/{pid}/team").status_code == 200
    for response in (
        client.post(
            f"/api/v1/providers/{pid}/invitations",
            {"email": "x@example.org", "role": "staff"},
            format="json",
        ),
        client.delete(f"/api/v1/providers/{pid}/team/{admin.pk}"),
        client.patch(f"/api/v1/providers/{pid}", {"trading_name": "Mine"}, format="json"),
    ):
        assert response.status_code == 403
        assert response.json()["code"] == "provider_admin_required"
    assert ProviderMembership.objects.filter(provider_id=pid).count() == 2


def test_the_last_admin_stays_and_other_providers_are_404() -> None:
    admin = ProviderMembershipFactory.create(role="admin")
    client = client_for(admin.user, mfa=True)
    response = client.delete(f"/api/v1/providers/{admin.provider_id}/team/{admin.pk}")
    assert response.status_code == 409
    assert response.json()["code"] == "last_admin"
    other = ProviderMembershipFactory.create(role="admin")
    assert client.get(f"/api/v1/providers/{other.provider_id}/team").status_code == 404
    assert (
        client.delete(f"/api/v1/providers/{other.provider_id}/team/{other.pk}").status_code == 404
    )
    assert (
        client.patch(
            f"/api/v1/providers/{other.provider_id}", {"trading_name": "x"}, format="json"
        ).status_code
        == 404
    )


def test_admin_updates_profile_with_validation() -> None:
    admin = ProviderMembershipFactory.create(role="admin")
    client = client_for(admin.user, mfa=True)
    url = f"/api/v1/providers/{admin.provider_id}"
    response = client.patch(
        url, {"trading_name": "Brum Code", "website": "https://brumcode.example"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["trading_name"] == "Brum Code"
    response = client.patch(
        url, {"website": "not a url", "contact_phone": "call me"}, format="json"
    )
    assert response.status_code == 400
    assert set(response.json()["extra"]["fields"]) == {"website", "contact_phone"}
    response = client.patch(url, {"ukprn": "10000000"}, format="json")
    assert response.status_code == 200  # ignored: UKPRN is not editable here
    admin.provider.refresh_from_db()
    assert admin.provider.ukprn != "10000000"
