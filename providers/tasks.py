"""Provider emails, sent after commit (thin task around Django's mail)."""

from celery import shared_task
from django.conf import settings

from core.emails import send_plain_email
from providers.models import ProviderInvitation


@shared_task(name="providers.send_invitation")
def send_provider_invitation(invitation_id: int) -> None:
    invitation = (
        ProviderInvitation.objects.select_related("provider", "invited_by")
        .filter(pk=invitation_id)
        .first()
    )
    if invitation is None or invitation.accepted_at is not None:
        return
    link = f"{settings.FRONTEND_URL}/providers/invitations/{invitation.token}"
    send_plain_email(
        subject=f"[Skills Wallet] Join {invitation.provider.display_name} on Skills Wallet",
        body=(
            f"{invitation.invited_by.get_full_name()} invited you to join "
            f"{invitation.provider.display_name} as {invitation.get_role_display().lower()}.\n\n"
            f"Sign in (or sign up with this email address), then accept the invitation:\n{link}\n\n"
            f"The invitation expires on {invitation.expires_at:%d %B %Y}."
        ),
        to=[invitation.email],
    )
