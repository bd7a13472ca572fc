"""The invitation email links to a page that answers 200 and lets the invitee join."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from providers.models import ProviderInvitation, ProviderMembership
from providers.services import provider_invite
from tests.factories import PASSWORD, ProviderMembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def _invitation(email: str) -> ProviderInvitation:
    admin = ProviderMembershipFactory.create(role="admin")
    return provider_invite(actor=admin.user, provider=admin.provider, email=email, role="staff")


def _signed_in(email: str) -> Client:
    user = UserFactory.create(email=email)
    client = Client()
    response = client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return client


def test_the_page_shows_the_invitation_and_the_invited_person_joins(
    django_capture_on_commit_callbacks: Any,
) -> None:
    invitation = _invitation("new.tutor@example.org")
    page = Client().get(f"/providers/invitations/{invitation.token}")
    assert page.status_code == 200
    assert invitation.provider.display_name in page.content.decode()
    assert "Sign in with new.tutor@example.org" in page.content.decode()

    client = _signed_in("new.tutor@example.org")
    answer = client.post(f"/providers/invitations/{invitation.token}")
    assert answer.status_code == 302
    assert answer["Location"] == "/accounts/2fa/"
    assert ProviderMembership.objects.filter(
        user__email="new.tutor@example.org", provider=invitation.provider, role="staff"
    ).exists()
    again = client.get(f"/providers/invitations/{invitation.token}")
    assert "already accepted" in again.content.decode()


def test_someone_else_cannot_accept_and_unknown_or_expired_links_say_so() -> None:
    invitation = _invitation("invited@example.org")
    intruder = _signed_in("intruder@example.org")
    page = intruder.get(f"/providers/invitations/{invitation.token}").content.decode()
    assert "this invitation is for invited@example.org" in page
    intruder.post(f"/providers/invitations/{invitation.token}")
    assert not ProviderMembership.objects.filter(user__email="intruder@example.org").exists()

    assert Client().get("/providers/invitations/not-a-token").status_code == 404
    ProviderInvitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - dt.timedelta(minutes=1)
    )
    expired = Client().get(f"/providers/invitations/{invitation.token}")
    assert expired.status_code == 200
    assert "expired" in expired.content.decode()
