"""Lists people need: a provider's invitations, a programme's approved providers."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from providers.models import ProviderInvitation
from providers.services import invitation_accept, provider_invite
from tests.enrolments.helpers import make_world
from tests.factories import FunderMembershipFactory, ProviderMembershipFactory, UserFactory
from tests.helpers import client_for

pytestmark = pytest.mark.django_db


def test_a_providers_admins_list_its_invitations_by_state() -> None:
    admin = ProviderMembershipFactory.create(role="admin")
    provider = admin.provider
    pending = provider_invite(
        actor=admin.user, provider=provider, email="a@example.org", role="staff"
    )
    expired = provider_invite(
        actor=admin.user, provider=provider, email="b@example.org", role="staff"
    )
    ProviderInvitation.objects.filter(pk=expired.pk).update(
        expires_at=timezone.now() - dt.timedelta(days=1)
    )
    accepted = provider_invite(
        actor=admin.user, provider=provider, email="c@example.org", role="admin"
    )
    invitation_accept(actor=UserFactory.create(email="c@example.org"), token=accepted.token)

    client = client_for(admin.user, mfa=True)
    url = f"/api/v1/providers/{provider.pk}/invitations"
    rows = {row["email"]: row["state"] for row in client.get(url).json()["results"]}
    assert rows == {
        "a@example.org": "pending",
        "b@example.org": "expired",
        "c@example.org": "accepted",
    }
    assert [r["email"] for r in client.get(f"{url}?state=pending").json()["results"]] == [
        pending.email
    ]
    assert client.get(f"{url}?state=lost").status_code == 400

    staff = ProviderMembershipFactory.create(provider=provider, role="staff").user
    assert client_for(staff, mfa=True).get(url).json()["code"] == "provider_admin_required"
    outsider = ProviderMembershipFactory.create(role="admin").user
    assert client_for(outsider, mfa=True).get(url).status_code == 404


def test_officers_and_auditors_list_a_programmes_approved_providers() -> None:
    world = make_world()
    url = f"/api/v1/funder/programmes/{world.programme.pk}/providers"
    auditor = FunderMembershipFactory.create(funder=world.programme.funder, role="auditor").user
    for reader in (world.officer, auditor):
        rows = client_for(reader, mfa=True).get(url).json()["results"]
        assert [(r["provider_id"], r["ukprn"], r["approved_by"]) for r in rows] == [
            (world.course.provider_id, world.course.provider.ukprn, world.officer.email)
        ]
    assert client_for(make_world().officer, mfa=True).get(url).status_code == 404
