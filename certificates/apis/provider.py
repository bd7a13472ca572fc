"""Providers' certificate APIs: issue (one, or a cohort's), list, re-issue, revoke, download.

Everything is scoped to the caller's providers: another provider's enrolment, cohort or
certificate answers 404.
"""

from __future__ import annotations

from django.http import FileResponse
from drf_spectacular.utils import OpenApiTypes, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from certificates.apis.common import (
    FILE_ERRORS,
    WRITE_ERRORS,
    CertificatePagination,
    CertificateSerializer,
    pdf_response,
)
from certificates.models import Certificate
from certificates.selectors import (
    certificate_get_for_provider_member,
    certificates_for_provider_member,
)
from certificates.services import (
    GRADE_MAX,
    REASON_MAX,
    certificate_issue,
    certificate_reissue,
    certificate_revoke,
    certificates_issue_for_cohort,
)
from core.idempotency import idempotent
from core.schema import ERROR_RESPONSES, IDEMPOTENCY_HEADER, NOT_FOUND
from courses.selectors import cohort_get_for_member
from enrolments.selectors import enrolment_get_for_provider_member
from users.models import User
from users.permissions import HasRoleMFA


def _actor(request: Request) -> User:
    return request.user  # type: ignore[return-value]


class _ProviderApi(APIView):
    permission_classes = [IsAuthenticated, HasRoleMFA]


class ProviderCertificateIssueApi(_ProviderApi):
    class CertificateIssueInputSerializer(serializers.Serializer):
        grade = serializers.CharField(
            max_length=GRADE_MAX,
            required=False,
            allow_blank=True,
            default="",
            help_text="A grade or result to print, e.g. `Distinction` (optional).",
        )

    @extend_schema(
        operation_id="provider_certificate_issue",
        summary="Issue the certificate for a completed enrolment (one valid certificate each)",
        parameters=[IDEMPOTENCY_HEADER],
        request=CertificateIssueInputSerializer,
        responses={201: CertificateSerializer, **WRITE_ERRORS},
    )
    @idempotent
    def post(self, request: Request, enrolment_id: int) -> Response:
        enrolment = enrolment_get_for_provider_member(user=request.user, enrolment_id=enrolment_id)
        serializer = self.CertificateIssueInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        certificate = certificate_issue(
            actor=_actor(request), enrolment=enrolment, **serializer.validated_data
        )
        return Response(CertificateSerializer(certificate).data, status=status.HTTP_201_CREATED)


class SkippedEnrolmentSerializer(serializers.Serializer):
    enrolment_id = serializers.IntegerField()
    code = serializers.CharField(help_text="Why: `certificate_exists`, `learner_name_missing`.")


class CohortIssueSerializer(serializers.Serializer):
    issued = CertificateSerializer(many=True)
    skipped = SkippedEnrolmentSerializer(many=True)


class ProviderCohortCertificatesApi(_ProviderApi):
    @extend_schema(
        operation_id="provider_cohort_certificates_issue",
        summary="Issue certificates for every completed enrolment of a cohort not yet certified",
        parameters=[IDEMPOTENCY_HEADER],
        request=None,
        responses={200: CohortIssueSerializer, **WRITE_ERRORS},
    )
    @idempotent
    def post(self, request: Request, cohort_id: int) -> Response:
        cohort = cohort_get_for_member(user=request.user, cohort_id=cohort_id)
        result = certificates_issue_for_cohort(actor=_actor(request), cohort=cohort)
        skipped = [{"enrolment_id": e.pk, "code": code} for e, code in result.skipped]
        return Response(CohortIssueSerializer({"issued": result.issued, "skipped": skipped}).data)


class ProviderCertificateListApi(_ProviderApi):
    pagination_class = CertificatePagination

    class CertificateFilterSerializer(serializers.Serializer):
        cohort = serializers.IntegerField(required=False, min_value=1)
        status = serializers.ChoiceField(choices=Certificate.Status.choices, required=False)

    @extend_schema(
        operation_id="provider_certificates",
        summary="Certificates your providers issued",
        parameters=[CertificateFilterSerializer],
        responses={200: CertificateSerializer(many=True), **ERROR_RESPONSES},
    )
    def get(self, request: Request) -> Response:
        filters = self.CertificateFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        queryset = certificates_for_provider_member(user=request.user)
        if "cohort" in filters.validated_data:
            queryset = queryset.filter(enrolment__cohort_id=filters.validated_data["cohort"])
        if "status" in filters.validated_data:
            queryset = queryset.filter(status=filters.validated_data["status"])
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(queryset, request, view=self)
        return paginator.get_paginated_response(CertificateSerializer(page, many=True).data)


class ProviderCertificateDetailApi(_ProviderApi):
    @extend_schema(
        operation_id="provider_certificate",
        summary="One certificate your provider issued, with its versions",
        responses={200: CertificateSerializer, **ERROR_RESPONSES, **NOT_FOUND},
    )
    def get(self, request: Request, verification_id: str) -> Response:
        certificate = certificate_get_for_provider_member(
            user=request.user, verification_id=verification_id
        )
        return Response(CertificateSerializer(certificate).data)


class ProviderCertificateReissueApi(_ProviderApi):
    class CertificateReissueInputSerializer(serializers.Serializer):
        reason = serializers.CharField(
            max_length=REASON_MAX, help_text="Why, e.g. `Name corrected at the learner's request`."
        )
        grade = serializers.CharField(
            max_length=GRADE_MAX,
            required=False,
            allow_blank=True,
            help_text="A corrected grade; omit to keep the current one.",
        )

    @extend_schema(
        operation_id="provider_certificate_reissue",
        summary="Issue a corrected version (e.g. after a name correction); the old one is "
        "marked superseded",
        parameters=[IDEMPOTENCY_HEADER],
        request=CertificateReissueInputSerializer,
        responses={201: CertificateSerializer, **WRITE_ERRORS},
    )
    @idempotent
    def post(self, request: Request, verification_id: str) -> Response:
        certificate = certificate_get_for_provider_member(
            user=request.user, verification_id=verification_id
        )
        serializer = self.CertificateReissueInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        new = certificate_reissue(
            actor=_actor(request), certificate=certificate, **serializer.validated_data
        )
        return Response(CertificateSerializer(new).data, status=status.HTTP_201_CREATED)


class ProviderCertificateRevokeApi(_ProviderApi):
    class CertificateRevokeInputSerializer(serializers.Serializer):
        reason = serializers.CharField(
            max_length=REASON_MAX, help_text="Shown to anyone who checks the certificate."
        )

    @extend_schema(
        operation_id="provider_certificate_revoke",
        summary="Revoke a certificate, with a reason (it stays visible as revoked)",
        parameters=[IDEMPOTENCY_HEADER],
        request=CertificateRevokeInputSerializer,
        responses={200: CertificateSerializer, **WRITE_ERRORS},
    )
    @idempotent
    def post(self, request: Request, verification_id: str) -> Response:
        certificate = certificate_get_for_provider_member(
            user=request.user, verification_id=verification_id
        )
        serializer = self.CertificateRevokeInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        revoked = certificate_revoke(
            actor=_actor(request), certificate=certificate, **serializer.validated_data
        )
        return Response(CertificateSerializer(revoked).data)


class ProviderCertificatePdfApi(_ProviderApi):
    @extend_schema(
        operation_id="provider_certificate_pdf",
        summary="Download the certificate's PDF (the stored file, identical every time)",
        responses={(200, "application/pdf"): OpenApiTypes.BINARY, **FILE_ERRORS},
    )
    def get(self, request: Request, verification_id: str) -> FileResponse:
        return pdf_response(
            certificate_get_for_provider_member(user=request.user, verification_id=verification_id)
        )
