"""Every write on providers: registration, profile, approval status, staff and invitations."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from core import audit
from core.errors import Forbidden, InvalidInput
from core.jobs import enqueue_on_commit
from providers.errors import (
    AlreadyMember,
    InvalidStatusChange,
    InvitationForSomeoneElse,
    InvitationNotFound,
    LastAdmin,
    ProviderNotActive,
    UkprnTaken,
)
from providers.models import Provider, ProviderInvitation, ProviderMembership, ProviderStatusChange
from providers.selectors import check_provider_member
from providers.signals import provider_status_changed
from users.models import User

PROFILE_FIELDS = {
    "legal_name",
    "trading_name",
    "address_line_1",
    "address_line_2",
    "town",
    "postcode",
    "website",
    "contact_email",
    "contact_phone",
}
INVITATION_DAYS = 14

# Platform staff decisions: which status may follow which.
ALLOWED_STATUS_CHANGES = {
    Provider.Status.PENDING: {Provider.Status.APPROVED, Provider.Status.DELISTED},
    Provider.Status.APPROVED: {Provider.Status.SUSPENDED, Provider.Status.DELISTED},
    Provider.Status.SUSPENDED: {Provider.Status.APPROVED, Provider.Status.DELISTED},
    Provider.Status.DELISTED: set(),
}


def require_provider_approved(provider: Provider) -> None:
    """A provider that is not approved is frozen: nothing it does is paid, published or sent."""
    if provider.status != Provider.Status.APPROVED:
        raise ProviderNotActive(
            f"{provider.display_name} is {provider.get_status_display().lower()}; "
            "this cannot go ahead until the platform approves it.",
            provider_status=provider.status,
        )


def provider_register(*, actor: User, ukprn: str, legal_name: str, **profile: Any) -> Provider:
    """A user registers a provider; it waits for platform approval and they become its admin."""
    unknown = set(profile) - PROFILE_FIELDS
    if unknown:
        raise InvalidInput(f"Unknown fields: {', '.join(sorted(unknown))}.")
    try:
        with transaction.atomic():
            provider = Provider.objects.create(ukprn=ukprn, legal_name=legal_name, **profile)
            ProviderMembership.objects.create(
                user=actor, provider=provider, role=ProviderMembership.Role.ADMIN
            )
    except IntegrityError as exc:
        raise UkprnTaken(ukprn=ukprn) from exc
    return provider


def provider_update(*, actor: User, provider: Provider, **fields: Any) -> Provider:
    """An admin changes the provider's profile (allowed while suspended: it moves no money)."""
    check_provider_member(user=actor, provider_id=provider.pk, admin=True)
    unknown = set(fields) - PROFILE_FIELDS
    if unknown:
        raise InvalidInput(f"These fields cannot be changed here: {', '.join(sorted(unknown))}.")
    with transaction.atomic():
        locked = Provider.objects.select_for_update().get(pk=provider.pk)
        for name, value in fields.items():
            setattr(locked, name, value)
        locked.save(update_fields=[*fields])
    return locked


def provider_set_status(*, actor: User, provider: Provider, status: str, reason: str) -> Provider:
    """Platform staff approve, suspend, reinstate or delist a provider, with a reason kept."""
    if not actor.is_staff:
        raise Forbidden("Only platform staff decide a provider's approval.")
    if not reason.strip() or len(reason.strip()) > 500:
        raise InvalidInput(
            "Give a reason of at most 500 characters; it is kept with the decision.",
            fields={"reason": "Required, at most 500 characters."},
        )
    with transaction.atomic():
        locked = Provider.objects.select_for_update().get(pk=provider.pk)
        before = locked.status
        if status not in ALLOWED_STATUS_CHANGES[Provider.Status(before)]:
            raise InvalidStatusChange(from_status=before, to_status=status)
        ProviderStatusChange.objects.create(
            provider=locked,
            from_status=locked.status,
            to_status=status,
            reason=reason.strip(),
            actor=actor,
        )
        locked.status, locked.status_reason, locked.status_changed_at = (
            status,
            reason.strip(),
            timezone.now(),
        )
        locked.save(update_fields=["status", "status_reason", "status_changed_at"])
        audit.record(
            actor=actor,
            action="provider.set_status",
            obj=locked,
            before={"status": before},
            after={"status": status, "reason": reason.strip()},
        )
        # Apps to the right react (enrolments tells the provider's learners); inside the
        # transaction, so their records commit with the decision.
        provider_status_changed.send(
            sender=Provider, provider=locked, from_status=before, actor=actor, reason=reason.strip()
        )
    return locked


def provider_invite(
    *, actor: User, provider: Provider, email: str, role: str
) -> ProviderInvitation:
    """An admin invites someone by email; the email goes out after commit.

    A provider that is not approved (pending, suspended, delisted) sends no invitations.
    """
    check_provider_member(user=actor, provider_id=provider.pk, admin=True)
    require_provider_approved(provider)
    email = email.strip().lower()
    if role not in ProviderMembership.Role.values:
        raise InvalidInput(
            "Unknown role.", fields={"role": f"One of {', '.join(ProviderMembership.Role.values)}."}
        )
    if ProviderMembership.objects.filter(provider=provider, user__email__iexact=email).exists():
        raise AlreadyMember(email=email)
    with transaction.atomic():
        ProviderInvitation.objects.filter(
            provider=provider, email=email, accepted_at__isnull=True
        ).delete()
        invitation = ProviderInvitation.objects.create(
            provider=provider,
            email=email,
            role=role,
            token=secrets.token_urlsafe(32),
            invited_by=actor,
            expires_at=timezone.now() + dt.timedelta(days=INVITATION_DAYS),
        )
        from providers.tasks import send_provider_invitation

        enqueue_on_commit(send_provider_invitation, invitation.pk)
    return invitation


def invitation_accept(*, actor: User, token: str) -> ProviderMembership:
    with transaction.atomic():
        invitation = (
            ProviderInvitation.objects.select_for_update()
            .filter(token=token, accepted_at__isnull=True, expires_at__gt=timezone.now())
            .first()
        )
        if invitation is None:
            raise InvitationNotFound()
        if invitation.email.lower() != actor.email.lower():
            raise InvitationForSomeoneElse()
        if ProviderMembership.objects.filter(
            provider_id=invitation.provider_id, user=actor
        ).exists():
            raise AlreadyMember(email=actor.email)
        membership = ProviderMembership.objects.create(
            user=actor, provider_id=invitation.provider_id, role=invitation.role
        )
        invitation.accepted_at = timezone.now()
        invitation.save(update_fields=["accepted_at"])
        audit.record(
            actor=actor,
            action="provider.membership_add",
            obj=membership,
            after={
                "provider_id": invitation.provider_id,
                "user_id": actor.pk,
                "role": invitation.role,
                "invited_by_id": invitation.invited_by_id,
            },
        )
    return membership


def membership_remove(*, actor: User, membership: ProviderMembership) -> None:
    """An admin removes someone from the team; the last admin stays."""
    check_provider_member(user=actor, provider_id=membership.provider_id, admin=True)
    with transaction.atomic():
        admins = list(
            ProviderMembership.objects.select_for_update()
            .filter(provider_id=membership.provider_id, role=ProviderMembership.Role.ADMIN)
            .values_list("pk", flat=True)
        )
        if membership.role == ProviderMembership.Role.ADMIN and admins == [membership.pk]:
            raise LastAdmin()
        ProviderMembership.objects.filter(pk=membership.pk).delete()
        audit.record(
            actor=actor,
            action="provider.membership_remove",
            obj=membership,
            before={
                "provider_id": membership.provider_id,
                "user_id": membership.user_id,
                "role": membership.role,
            },
        )
