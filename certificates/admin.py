"""Admin for certificates: read-only, with one action: revoke (with a reason) through the
service. Certificates are never edited or deleted here."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.db.models import QuerySet
from django.http import HttpRequest

from certificates.models import Certificate
from certificates.services import REASON_MAX, certificate_revoke
from core.admin import ReadOnlyAdmin
from core.errors import DomainError
from users.models import User


class RevokeActionForm(ActionForm):
    reason = forms.CharField(
        max_length=REASON_MAX,
        required=False,
        label="Reason (for revoking)",
        widget=forms.TextInput(attrs={"size": 60}),
    )


@admin.register(Certificate)
class CertificateAdmin(ReadOnlyAdmin):
    list_display = (
        "learner_name",
        "course_title",
        "provider_name",
        "version",
        "status",
        "issued_at",
    )
    list_filter = ("status", "provider")
    search_fields = ("learner_name", "course_title", "provider_ukprn", "=verification_id")
    readonly_fields = [field.name for field in Certificate._meta.fields]
    action_form = RevokeActionForm
    actions = ["revoke"]

    def has_revoke_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.has_perm("certificates.revoke_certificate"))

    @admin.action(
        description="Revoke the selected certificates (give the reason above)",
        permissions=["revoke"],
    )
    def revoke(self, request: HttpRequest, queryset: QuerySet[Certificate]) -> None:
        reason = (request.POST.get("reason") or "").strip()
        if not reason:
            self.message_user(
                request, "Nothing revoked: give a reason first.", level=messages.ERROR
            )
            return
        actor: User = request.user  # type: ignore[assignment]
        revoked = 0
        for certificate in queryset.order_by("pk"):
            try:
                certificate_revoke(actor=actor, certificate=certificate, reason=reason)
            except DomainError as refusal:
                self.message_user(
                    request,
                    f"{certificate}: not revoked ({refusal.detail})",
                    level=messages.WARNING,
                )
            else:
                revoked += 1
        if revoked:
            self.message_user(request, f"Revoked {revoked} certificate(s).", messages.SUCCESS)
