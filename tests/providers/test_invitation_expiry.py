"""An invitation expires: once past its date it cannot be accepted, and a new one can be sent."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
import time_machine
from django.core import mail

from providers.models import ProviderInvitation, ProviderMembership
from tests.factories import ProviderMembershipFactory, UserFactory
from tests.helpers import client_for

pytestmark = pytest.mark.django_db


def _invite(client: Any, provider_id: int, callbacks: Any) -> str:
    with callbacks(execute=True):
        response = client.post(
            f"/api/v1/providers/{provider_id}/invitations",
            {"email": "tutor@example.org", "role": "staff"},
            format="json",
        )
    assert response.status_code == 201
    match = re.search(r"/providers/invitations/(\S+)", str(mail.outbox[-1].body))
    assert match
    return match.group(1)


def test_an_expired_invitation_cannot_be_accepted(
    django_capture_on_commit_callbacks: Any,
) -> None:
    admin = ProviderMembershipFactory.create(role="admin")
    client = client_for(admin.user, mfa=True)
    token = _invite(client, admin.provider_id, django_capture_on_commit_callbacks)
    expires_at = ProviderInvitation.objects.get(token=token).expires_at
    tutor = client_for(UserFactory.create(email="tutor@example.org"))

    with time_machine.travel(expires_at + dt.timedelta(seconds=1), tick=False):
        response = tutor.post(
            "/api/v1/provider-invitations/accept", {"token": token}, format="json"
        )
    assert response.status_code == 404
    assert response.json()["code"] == "invitation_not_found"
    assert not ProviderMembership.objects.filter(user__email="tutor@example.org").exists()

    # A new invitation replaces the expired one and can be accepted before its date.
    fresh = _invite(client, admin.provider_id, django_capture_on_commit_callbacks)
    assert fresh != token
    assert ProviderInvitation.objects.filter(accepted_at__isnull=True).count() == 1
    fresh_expiry = ProviderInvitation.objects.get(token=fresh).expires_at
    with time_machine.travel(fresh_expiry - dt.timedelta(seconds=1), tick=False):
        response = tutor.post(
            "/api/v1/provider-invitations/accept", {"token": fresh}, format="json"
        )
    assert response.status_code == 201
    assert ProviderMembership.objects.get(user__email="tutor@example.org").role == "staff"
