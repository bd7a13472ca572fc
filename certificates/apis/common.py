"""Shared pieces of the certificate APIs: output serializers, file responses, error docs."""

from __future__ import annotations

from typing import Any

from django.http import FileResponse, HttpResponse
from rest_framework import serializers

from certificates.models import Certificate
from certificates.openbadges import verification_url
from certificates.selectors import certificate_current, certificate_pdf_open
from core.pagination import DefaultCursorPagination
from core.schema import ERROR_RESPONSES, NOT_FOUND, error


class IssuerSerializer(serializers.Serializer):
    name = serializers.CharField(source="provider_name")
    ukprn = serializers.CharField(source="provider_ukprn")


class PublicCertificateSerializer(serializers.Serializer):
    """What anyone holding the verification id may see."""

    verification_id = serializers.UUIDField()
    verification_url = serializers.SerializerMethodField()
    status = serializers.ChoiceField(choices=Certificate.Status.choices)
    version = serializers.IntegerField()
    issuer = IssuerSerializer(source="*")
    learner_name = serializers.CharField()
    course_title = serializers.CharField()
    course_level = serializers.IntegerField()
    guided_learning_hours = serializers.IntegerField()
    skills = serializers.ListField(child=serializers.CharField())
    cohort_start_date = serializers.DateField()
    cohort_end_date = serializers.DateField()
    completed_on = serializers.DateField()
    grade = serializers.CharField()
    issued_at = serializers.DateTimeField()
    revoked_at = serializers.DateTimeField(allow_null=True)
    revocation_reason = serializers.CharField()
    superseded_at = serializers.DateTimeField(allow_null=True)
    current_verification_id = serializers.SerializerMethodField(
        help_text="For a superseded certificate, the version that replaces it."
    )
    current_verification_url = serializers.SerializerMethodField()
    pdf_sha256 = serializers.CharField(
        help_text="SHA-256 of the genuine PDF (empty while it is being rendered)."
    )

    def _current(self, certificate: Certificate) -> Certificate | None:
        if certificate.status != Certificate.Status.SUPERSEDED:
            return None
        found: dict[int, Certificate] = self.__dict__.setdefault("_currents", {})
        if certificate.pk not in found:
            found[certificate.pk] = certificate_current(certificate)
        current = found[certificate.pk]
        return None if current.pk == certificate.pk else current

    def get_verification_url(self, certificate: Certificate) -> str:
        return verification_url(certificate)

    def get_current_verification_id(self, certificate: Certificate) -> str | None:
        current = self._current(certificate)
        return str(current.verification_id) if current else None

    def get_current_verification_url(self, certificate: Certificate) -> str | None:
        current = self._current(certificate)
        return verification_url(current) if current else None


class CertificateSerializer(PublicCertificateSerializer):
    """What the learner and the provider's people see, beyond the public record."""

    enrolment_id = serializers.IntegerField()
    cohort_id = serializers.IntegerField(source="enrolment.cohort_id")
    learner_email = serializers.EmailField(source="enrolment.learner.email")
    pdf_ready = serializers.SerializerMethodField()
    reissue_reason = serializers.CharField()
    supersedes_verification_id = serializers.UUIDField(
        source="supersedes.verification_id", allow_null=True, default=None
    )

    def get_pdf_ready(self, certificate: Certificate) -> bool:
        return bool(certificate.pdf)


class CertificatePagination(DefaultCursorPagination):
    ordering = "-id"


def pdf_response(certificate: Certificate) -> FileResponse:
    """The stored PDF, byte for byte as rendered at issue."""
    response = FileResponse(
        certificate_pdf_open(certificate),
        as_attachment=True,
        filename=f"certificate-{certificate.verification_id}.pdf",
        content_type="application/pdf",
    )
    response["ETag"] = f'"{certificate.pdf_sha256}"'
    response["X-Content-SHA256"] = certificate.pdf_sha256
    return response


def credential_response(certificate: Certificate) -> HttpResponse:
    return HttpResponse(
        certificate.credential_jwt,
        content_type="application/jwt",
        headers={
            "Content-Disposition": (
                f'attachment; filename="certificate-{certificate.verification_id}.jwt"'
            )
        },
    )


FILE_ERRORS: dict[Any, Any] = {
    **ERROR_RESPONSES,
    **NOT_FOUND,
    409: error("The PDF is still being rendered (`certificate_pdf_pending`)."),
}
WRITE_ERRORS: dict[Any, Any] = {
    **ERROR_RESPONSES,
    **NOT_FOUND,
    409: error(
        "Already certified, or not valid any more (`certificate_exists`, "
        "`certificate_not_valid`, `idempotency_conflict`)."
    ),
    422: error(
        "Refused by a rule (`enrolment_not_completed`, `learner_name_missing`, "
        "`certificate_unchanged`, `provider_not_active`)."
    ),
}
