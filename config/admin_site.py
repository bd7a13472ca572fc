"""The operators' admin: platform staff only, signed in through allauth with the second factor.

Django's own admin login (a password form with no second factor and no lockout) does not
exist here: `/admin/login/` sends people to allauth's sign-in (`/accounts/login/`), which
applies the same MFA, rate limits and lockout as the API. A signed-in person the admin
refuses gets a page saying why (not staff, no authenticator, or a session that did not
pass the second factor) instead of a redirect loop.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode

from users.permissions import role_access_allowed, user_has_mfa


class StaffAdminSite(admin.AdminSite):
    site_header = "Skills Wallet administration"
    site_title = "Skills Wallet admin"
    index_title = "Operations"

    def has_permission(self, request: HttpRequest) -> bool:
        """Active platform staff whose current session passed the second factor."""
        user = request.user
        return bool(user.is_active and user.is_staff and role_access_allowed(request))

    def login(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        if request.user.is_authenticated:
            return self._refused(request)
        target = request.GET.get(REDIRECT_FIELD_NAME, "")
        if not url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ) or not target.startswith("/"):
            target = reverse("admin:index", current_app=self.name)
        return HttpResponseRedirect(
            f"{reverse('account_login')}?{urlencode({REDIRECT_FIELD_NAME: target})}"
        )

    def password_change(  # type: ignore[override]
        self, request: HttpRequest, extra_context: Any = None
    ) -> HttpResponse:
        # One place to change a password, with allauth's rate limits and notifications.
        return HttpResponseRedirect(reverse("account_change_password"))

    def _refused(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if not user.is_staff:
            reason = "not_staff"
        elif not user_has_mfa(user):
            reason = "mfa_required"
        else:
            reason = "mfa_session_required"
        return render(
            request,
            "admin_access_refused.html",
            {"reason": reason, "email": getattr(user, "email", "")},
            status=403,
        )
