"""Reads of certificates: public (by verification id, for anyone), and scoped to the
caller (the learner's own, the provider's people's): out of scope is a 404."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import uuid
from typing import Any

from django.core.files import File
from django.db.models import QuerySet
from django.utils import timezone

from certificates.errors import PdfNotReady
from certificates.models import Certificate
from core.errors import NotFound
from providers.models import ProviderMembership

_RELATED = ("enrolment__cohort", "enrolment__learner", "provider", "supersedes")


def _by_verification_id(queryset: QuerySet[Certificate], verification_id: Any) -> Certificate:
    """The certificate with this id; a malformed id is as unknown as a missing one."""
    try:
        key = (
            verification_id
            if isinstance(verification_id, uuid.UUID)
            else uuid.UUID(str(verification_id))
        )
    except ValueError:
        raise NotFound("Certificate not found.") from None
    certificate = queryset.filter(verification_id=key).first()
    if certificate is None:
        raise NotFound("Certificate not found.")
    return certificate


def certificate_get_public(*, verification_id: Any) -> Certificate:
    """Anyone may check a certificate whose verification id they hold."""
    return _by_verification_id(Certificate.objects.select_related("superseded_by"), verification_id)


def certificate_current(certificate: Certificate) -> Certificate:
    """The newest version a superseded certificate led to (itself when not superseded)."""
    current = certificate
    seen = {current.pk}
    while current.status == Certificate.Status.SUPERSEDED:
        following = Certificate.objects.filter(supersedes=current).first()
        if following is None or following.pk in seen:
            break
        seen.add(following.pk)
        current = following
    return current


def certificates_for_provider_member(*, user: Any) -> QuerySet[Certificate]:
    return Certificate.objects.filter(
        provider__in=ProviderMembership.objects.filter(user=user).values("provider_id")
    ).select_related(*_RELATED)


def certificate_get_for_provider_member(*, user: Any, verification_id: Any) -> Certificate:
    return _by_verification_id(certificates_for_provider_member(user=user), verification_id)


def certificates_for_learner(*, user: Any) -> QuerySet[Certificate]:
    return Certificate.objects.filter(enrolment__learner=user).select_related(*_RELATED)


def certificate_get_for_learner(*, user: Any, verification_id: Any) -> Certificate:
    return _by_verification_id(certificates_for_learner(user=user), verification_id)


def certificate_pdf_open(certificate: Certificate) -> File:
    """The stored PDF, exactly as rendered at issue; 409 while it is still being rendered."""
    if not certificate.pdf:
        raise PdfNotReady()
    certificate.pdf.open("rb")
    return certificate.pdf


def certificate_pdf_matches(certificate: Certificate, data: bytes) -> bool:
    """Whether `data` is, byte for byte, the PDF this certificate was issued as."""
    if not certificate.pdf_sha256:
        return False
    return hmac.compare_digest(hashlib.sha256(data).hexdigest(), certificate.pdf_sha256)


def certificates_missing_pdf(*, older_than: dt.timedelta) -> list[int]:
    """Certificates whose PDF task never finished (a lost message, a crash), for a re-run."""
    cutoff = timezone.now() - older_than
    return list(
        Certificate.objects.filter(pdf="", issued_at__lte=cutoff)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
