"""Writes on users: profile changes. Sign-up, login and MFA belong to django-allauth."""

from __future__ import annotations

from django.db import transaction

from core.errors import Forbidden
from users.models import User


def user_update_profile(*, actor: User, user: User, full_name: str) -> User:
    """A user changes their own display name (nobody changes another's here)."""
    if actor.pk != user.pk:
        raise Forbidden("You can change only your own profile.")
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        locked.full_name = full_name.strip()
        locked.save(update_fields=["full_name"])
    return locked
