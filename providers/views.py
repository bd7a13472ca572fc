"""The page an invitation email links to: who invites whom, and a button to accept.

Server-rendered (no JavaScript needed). The invitee signs in through allauth's pages with the
invited address; accepting goes through the same service as the API.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from core.errors import DomainError
from providers.models import ProviderInvitation
from providers.services import invitation_accept


@require_http_methods(["GET", "POST"])
def invitation_page(request: HttpRequest, token: str) -> HttpResponse:
    invitation = (
        ProviderInvitation.objects.select_related("provider", "invited_by")
        .filter(token=token)
        .first()
    )
    state = "unknown"
    if invitation is not None:
        if invitation.accepted_at is not None:
            state = "accepted"
        elif invitation.expires_at <= timezone.now():
            state = "expired"
        else:
            state = "open"
    if request.method == "POST" and invitation is not None and state == "open":
        if not request.user.is_authenticated:
            return redirect(f"{reverse('account_login')}?next={request.path}")
        try:
            invitation_accept(actor=request.user, token=token)
        except DomainError as exc:
            messages.error(request, exc.detail)
        else:
            messages.success(
                request,
                f"You joined {invitation.provider.display_name}. Provider roles need two-factor "
                "sign-in: set up an authenticator app below if you have not.",
            )
            return redirect("mfa_index")
    status = 404 if state == "unknown" else 200
    return render(
        request,
        "providers/invitation.html",
        {"invitation": invitation, "state": state, "login_url": reverse("account_login")},
        status=status,
    )
