"""Writes on users: profile changes and staff verifying an email address. Sign-up, login and
MFA belong to django-allauth."""

from __future__ import annotations

import logging

from allauth.account.models import EmailAddress
from django.db import transaction

from core.errors import Forbidden, InvalidInput
from users.models import User

logger = logging.getLogger(__name__)


def user_update_profile(*, actor: User, user: User, full_name: str) -> User:
    """A user changes their own display name (nobody changes another's here)."""
    if actor.pk != user.pk:
        raise Forbidden("You can change only your own profile.")
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        locked.full_name = full_name.strip()
        locked.save(update_fields=["full_name"])
    return locked


def email_address_mark_verified(*, actor: User, email_address: EmailAddress) -> bool:
    """Platform staff confirm an address by hand (e.g. after a check by phone).

    Returns False when it was already verified. Logged with the acting staff member.
    """
    if not actor.is_staff:
        raise Forbidden("Only platform staff can verify an address by hand.")
    with transaction.atomic():
        locked = EmailAddress.objects.select_for_update().get(pk=email_address.pk)
        if locked.verified:
            return False
        locked.verified = True
        locked.save(update_fields=["verified"])
        if not EmailAddress.objects.filter(user_id=locked.user_id, primary=True).exists():
            locked.set_as_primary(conditional=True)
    logger.info("email address %s verified by hand by staff user %s", email_address.pk, actor.pk)
    return True


def user_set_email_preferences(*, actor: User, user: User, changes: dict[str, bool]) -> User:
    """Turn optional emails on or off. Emails about money owed or a deadline stay on."""
    from users.notifications import KINDS

    if actor.pk != user.pk:
        raise Forbidden("You can change only your own preferences.")
    unknown = sorted(set(changes) - set(KINDS))
    if unknown:
        raise InvalidInput(f"Unknown emails: {', '.join(unknown)}.", fields={"unknown": unknown})
    required = sorted(k for k, on in changes.items() if not on and not KINDS[k].optional)
    if required:
        raise InvalidInput(
            "These emails are about money or a deadline and cannot be turned off: "
            + ", ".join(required)
            + ".",
            fields={"required": required},
        )
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        opted_out = set(locked.email_opt_outs)
        opted_out |= {kind for kind, on in changes.items() if not on}
        opted_out -= {kind for kind, on in changes.items() if on}
        locked.email_opt_outs = sorted(opted_out)
        locked.save(update_fields=["email_opt_outs"])
    return locked
