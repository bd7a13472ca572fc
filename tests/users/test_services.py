"""Writes in users/ that staff make by hand: verifying an email address."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress

from core.errors import Forbidden
from tests.factories import UserFactory
from users.services import email_address_mark_verified

pytestmark = pytest.mark.django_db


def test_staff_verify_an_address_once_and_it_becomes_the_primary() -> None:
    person = UserFactory.create(verified=False)
    address = EmailAddress.objects.create(user=person, email=person.email, verified=False)
    staff = UserFactory.create(is_staff=True)
    assert email_address_mark_verified(actor=staff, email_address=address) is True
    assert email_address_mark_verified(actor=staff, email_address=address) is False
    address.refresh_from_db()
    assert (address.verified, address.primary) == (True, True)


def test_only_staff_verify_an_address_by_hand() -> None:
    person = UserFactory.create(verified=False)
    address = EmailAddress.objects.create(user=person, email=person.email, verified=False)
    with pytest.raises(Forbidden):
        email_address_mark_verified(actor=person, email_address=address)
    address.refresh_from_db()
    assert address.verified is False
