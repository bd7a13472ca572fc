"""Public certificate APIs (no login): verify by id, check a PDF against the stored hash,
and the credential's revocation status. One rate limit per client IP covers them all."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from certificates.apis.common import PublicCertificateSerializer
from certificates.openbadges import revocation_list
from certificates.selectors import certificate_get_public, certificate_pdf_matches
from certificates.verification import (
    VerificationRateThrottle,
    check_upload_length,
    read_pdf_upload,
)
from core.schema import ERROR_RESPONSES, NOT_FOUND, error


class _PublicApi(APIView):
    # Anyone, signed in or not; no session, so no CSRF and nothing that identifies the caller.
    authentication_classes: list[type] = []
    permission_classes = [AllowAny]
    throttle_classes = [VerificationRateThrottle]


PUBLIC_ERRORS = {429: ERROR_RESPONSES[429], **NOT_FOUND}


class CertificateVerifyApi(_PublicApi):
    @extend_schema(
        operation_id="certificate_verify",
        summary="Verify a certificate: issuer, learner, course, dates and status "
        "(valid, revoked with date and reason, superseded with the current version)",
        auth=[],
        responses={200: PublicCertificateSerializer, **PUBLIC_ERRORS},
    )
    def get(self, request: Request, verification_id: str) -> Response:
        certificate = certificate_get_public(verification_id=verification_id)
        return Response(PublicCertificateSerializer(certificate).data)


class CertificatePdfCheckApi(_PublicApi):
    parser_classes = [MultiPartParser]

    class CertificatePdfCheckInputSerializer(serializers.Serializer):
        file = serializers.FileField(help_text="The PDF to check (multipart/form-data).")

    @extend_schema(
        operation_id="certificate_pdf_check",
        summary="Check whether a PDF is, byte for byte, the genuine file of this certificate",
        auth=[],
        request={"multipart/form-data": CertificatePdfCheckInputSerializer},
        responses={
            200: inline_serializer(
                "CertificatePdfCheck",
                {
                    "verification_id": serializers.UUIDField(),
                    "genuine": serializers.BooleanField(),
                    "status": serializers.CharField(),
                },
            ),
            400: error(
                "No file, not a PDF, or too large (`file_missing`, `not_a_pdf`, `file_too_large`)."
            ),
            **PUBLIC_ERRORS,
        },
    )
    def post(self, request: Request, verification_id: str) -> Response:
        certificate = certificate_get_public(verification_id=verification_id)
        check_upload_length(request)
        data = read_pdf_upload(request.FILES.get("file"))
        return Response(
            {
                "verification_id": str(certificate.verification_id),
                "genuine": certificate_pdf_matches(certificate, data),
                "status": certificate.status,
            }
        )


class CertificateStatusApi(_PublicApi):
    @extend_schema(
        operation_id="certificate_credential_status",
        summary="The Open Badges credential's status (1EdTech Revocation List): a revoked "
        "credential is listed with its reason",
        auth=[],
        responses={
            200: inline_serializer(
                "RevocationList",
                {
                    "id": serializers.URLField(),
                    "issuer": serializers.URLField(),
                    "revokedCredentials": inline_serializer(
                        "RevokedCredential",
                        {
                            "id": serializers.CharField(),
                            "revoked": serializers.BooleanField(),
                            "revocationReason": serializers.CharField(),
                        },
                        many=True,
                    ),
                },
            ),
            **PUBLIC_ERRORS,
        },
    )
    def get(self, request: Request, verification_id: str) -> Response:
        return Response(revocation_list(certificate_get_public(verification_id=verification_id)))
