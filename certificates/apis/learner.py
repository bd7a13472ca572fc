"""Learners' certificate APIs: their certificates (every version), the PDF and the Open
Badges 3.0 credential to download."""

from __future__ import annotations

from django.http import FileResponse, HttpResponse
from drf_spectacular.utils import OpenApiTypes, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from certificates.apis.common import (
    FILE_ERRORS,
    CertificatePagination,
    CertificateSerializer,
    credential_response,
    pdf_response,
)
from certificates.selectors import certificate_get_for_learner, certificates_for_learner
from core.schema import ERROR_RESPONSES, NOT_FOUND


class MyCertificateListApi(APIView):
    pagination_class = CertificatePagination

    @extend_schema(
        operation_id="certificates_mine",
        summary="Your certificates, newest first (superseded and revoked ones say so)",
        responses={200: CertificateSerializer(many=True), **ERROR_RESPONSES},
    )
    def get(self, request: Request) -> Response:
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(
            certificates_for_learner(user=request.user), request, view=self
        )
        return paginator.get_paginated_response(CertificateSerializer(page, many=True).data)


class MyCertificatePdfApi(APIView):
    @extend_schema(
        operation_id="certificate_mine_pdf",
        summary="Download your certificate's PDF (the stored file, identical every time)",
        responses={(200, "application/pdf"): OpenApiTypes.BINARY, **FILE_ERRORS},
    )
    def get(self, request: Request, verification_id: str) -> FileResponse:
        return pdf_response(
            certificate_get_for_learner(user=request.user, verification_id=verification_id)
        )


class MyCertificateCredentialApi(APIView):
    @extend_schema(
        operation_id="certificate_mine_credential",
        summary="Download your Open Badges 3.0 credential (a VC-JWT signed by the platform; "
        "verify it with the keys at /.well-known/jwks.json)",
        responses={(200, "application/jwt"): OpenApiTypes.STR, **ERROR_RESPONSES, **NOT_FOUND},
    )
    def get(self, request: Request, verification_id: str) -> HttpResponse:
        return credential_response(
            certificate_get_for_learner(user=request.user, verification_id=verification_id)
        )
