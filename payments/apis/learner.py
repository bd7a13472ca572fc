"""Learners' repayment APIs: the deferral offer for a place, the disclosure (JSON and PDF),
signing, income declarations and statements. Another learner's agreement is a 404."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.http import HttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.fields import AmountField
from core.pagination import DefaultCursorPagination
from core.throttling import MONEY_THROTTLES
from enrolments.selectors import enrolment_get_for_learner
from payments.apis.common import (
    AGREEMENT_ERRORS,
    AgreementSummarySerializer,
    StatementSerializer,
)
from payments.errors import EvidenceTooLarge
from payments.models import IncomeDeclaration
from payments.selectors import agreement_get_for_learner, agreements_for_learner, deferral_offer_for
from payments.services import (
    Evidence,
    agreement_propose,
    agreement_sign,
    disclosure_pdf_ensure,
    income_declare,
)
from payments.services.repayments import MAX_EVIDENCE_BYTES
from payments.statements import agreement_statement
from users.adapters import client_address
from users.models import User

_PERIOD = re.compile(r"^([0-9]{4})-([0-9]{2})\Z")


def acting_learner(request: Request) -> User:
    return request.user  # type: ignore[return-value]


class AgreementPagination(DefaultCursorPagination):
    ordering = "-id"
    page_size = 50


class DeferralOfferApi(APIView):
    class DeferralOfferSerializer(serializers.Serializer):
        enrolment_id = serializers.IntegerField()
        programme_id = serializers.IntegerField(source="deferral.programme_id")
        plan = serializers.CharField(source="deferral.plan.code")
        plan_name = serializers.CharField(source="deferral.plan.name")
        currency = serializers.CharField()
        price = serializers.IntegerField()
        co_payment = serializers.IntegerField()
        wallet_available = serializers.IntegerField()
        unpaid = serializers.IntegerField(help_text="What the wallet and co-payment leave unpaid.")
        maximum = serializers.IntegerField(help_text="The most you can defer for this place.")

    @extend_schema(
        operation_id="repayments_deferral_offer",
        responses={200: DeferralOfferSerializer, **AGREEMENT_ERRORS},
        summary="How much of an offered place you may defer, and on which plan",
    )
    def get(self, request: Request, enrolment_id: int) -> Response:
        enrolment = enrolment_get_for_learner(user=request.user, enrolment_id=enrolment_id)
        offer = deferral_offer_for(enrolment=enrolment)
        return Response(
            self.DeferralOfferSerializer({**offer.__dict__, "enrolment_id": enrolment.pk}).data
        )


class DisclosureSerializer(serializers.Serializer):
    agreement_id = serializers.IntegerField(source="id")
    status = serializers.CharField()
    document_sha256 = serializers.CharField(
        source="disclosure_sha256",
        help_text="SHA-256 of the canonical JSON of `content`; sign by sending it back.",
    )
    expires_at = serializers.DateTimeField(source="disclosure_expires_at")
    pdf_sha256 = serializers.CharField(source="disclosure_pdf_sha256")
    content = serializers.JSONField(source="disclosure")


class AgreementListCreateApi(APIView):
    pagination_class = AgreementPagination
    throttle_classes = MONEY_THROTTLES
    throttle_scope = "money"

    class ProposeInputSerializer(serializers.Serializer):
        enrolment_id = serializers.IntegerField(min_value=1)
        amount = AmountField(min_value=1, help_text="The amount to defer (minor units).")

    @extend_schema(
        operation_id="repayments_agreements_mine",
        responses={200: AgreementSummarySerializer(many=True), **AGREEMENT_ERRORS},
        summary="Your repayment agreements",
    )
    def get(self, request: Request) -> Response:
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(agreements_for_learner(user=request.user), request, self)
        return paginator.get_paginated_response(AgreementSummarySerializer(page, many=True).data)

    @extend_schema(
        operation_id="repayments_agreement_propose",
        request=ProposeInputSerializer,
        responses={201: DisclosureSerializer, **AGREEMENT_ERRORS},
        summary="Get the disclosure for deferring part of an offered place (a draft agreement)",
    )
    def post(self, request: Request) -> Response:
        serializer = self.ProposeInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        enrolment = enrolment_get_for_learner(
            user=request.user, enrolment_id=serializer.validated_data["enrolment_id"]
        )
        agreement = agreement_propose(
            actor=acting_learner(request),
            enrolment=enrolment,
            amount=serializer.validated_data["amount"],
        )
        return Response(DisclosureSerializer(agreement).data, status=status.HTTP_201_CREATED)


class AgreementDetailApi(APIView):
    @extend_schema(
        operation_id="repayments_agreement_statement",
        responses={200: StatementSerializer, **AGREEMENT_ERRORS},
        summary="Your agreement's statement: schedule, payments, pauses, totals, write-off date",
    )
    def get(self, request: Request, agreement_id: int) -> Response:
        agreement = agreement_get_for_learner(user=request.user, agreement_id=agreement_id)
        statement = agreement_statement(agreement=agreement, today=timezone.localdate())
        return Response(StatementSerializer(statement).data)


class DisclosureApi(APIView):
    @extend_schema(
        operation_id="repayments_agreement_disclosure",
        responses={200: DisclosureSerializer, **AGREEMENT_ERRORS},
        summary="The disclosure as JSON, with the SHA-256 you sign",
    )
    def get(self, request: Request, agreement_id: int) -> Response:
        agreement = agreement_get_for_learner(user=request.user, agreement_id=agreement_id)
        return Response(DisclosureSerializer(agreement).data)


class DisclosurePdfApi(APIView):
    @extend_schema(
        operation_id="repayments_agreement_disclosure_pdf",
        responses={
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY),
            **AGREEMENT_ERRORS,
        },
        summary="The disclosure as a PDF (the same content; its hash printed on every page)",
    )
    def get(self, request: Request, agreement_id: int) -> HttpResponse:
        agreement = agreement_get_for_learner(user=request.user, agreement_id=agreement_id)
        pdf = disclosure_pdf_ensure(agreement_id=agreement.pk)
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = (
            f'inline; filename="deferred-fee-disclosure-{agreement.pk}.pdf"'
        )
        return response


class AgreementSignApi(APIView):
    throttle_classes = MONEY_THROTTLES
    throttle_scope = "money"

    class SignInputSerializer(serializers.Serializer):
        document_sha256 = serializers.RegexField(
            r"^[0-9a-f]{64}$", help_text="The SHA-256 of the disclosure you read."
        )

    @extend_schema(
        operation_id="repayments_agreement_sign",
        request=SignInputSerializer,
        responses={
            200: inline_serializer(
                "AgreementSigned",
                {
                    "agreement_id": serializers.IntegerField(),
                    "status": serializers.CharField(),
                    "signed_at": serializers.DateTimeField(),
                    "signed_document_sha256": serializers.CharField(),
                },
            ),
            **AGREEMENT_ERRORS,
        },
        summary="Sign the disclosure you were shown (by its SHA-256)",
    )
    def post(self, request: Request, agreement_id: int) -> Response:
        agreement = agreement_get_for_learner(user=request.user, agreement_id=agreement_id)
        serializer = self.SignInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        signed = agreement_sign(
            actor=acting_learner(request),
            agreement=agreement,
            document_sha256=serializer.validated_data["document_sha256"],
            ip=client_address(request) or None,
        )
        return Response(
            {
                "agreement_id": signed.pk,
                "status": signed.status,
                "signed_at": signed.signed_at,
                "signed_document_sha256": signed.signed_document_sha256,
            }
        )


class DeclarationSerializer(serializers.Serializer):
    period = serializers.SerializerMethodField()
    gross_income = serializers.IntegerField()
    declared_at = serializers.DateTimeField()
    evidence = serializers.SerializerMethodField()
    assessed = serializers.SerializerMethodField()

    class EvidenceSerializer(serializers.Serializer):
        filename = serializers.CharField()
        content_type = serializers.CharField()
        size = serializers.IntegerField()
        sha256 = serializers.CharField()

    def get_period(self, declaration: IncomeDeclaration) -> str:
        return f"{declaration.period:%Y-%m}"

    @extend_schema_field(EvidenceSerializer(allow_null=True))
    def get_evidence(self, declaration: IncomeDeclaration) -> dict[str, Any] | None:
        evidence = getattr(declaration, "evidence", None)
        if evidence is None:
            return None
        return {
            "filename": evidence.filename,
            "content_type": evidence.content_type,
            "size": evidence.size,
            "sha256": evidence.sha256,
        }

    def get_assessed(self, declaration: IncomeDeclaration) -> bool:
        return hasattr(declaration, "assessment")


class DeclarationListCreateApi(APIView):
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    class DeclareInputSerializer(serializers.Serializer):
        period = serializers.RegexField(
            _PERIOD.pattern, help_text="The month declared, YYYY-MM.", max_length=7
        )
        gross_income = AmountField(
            allow_string=True,
            max_value=10**12,
            help_text="Gross income for the month, minor units.",
        )
        evidence = serializers.FileField(
            required=False,
            allow_empty_file=False,
            help_text="Optional payslip or statement: PDF, PNG or JPEG, at most 5 MB.",
        )

        def validate_period(self, value: str) -> dt.date:
            year, month = (int(part) for part in value.split("-"))
            if not 1 <= month <= 12 or year < 2000:
                raise serializers.ValidationError("A month such as 2027-03.")
            return dt.date(year, month, 1)

    @extend_schema(
        operation_id="repayments_declarations",
        responses={200: DeclarationSerializer(many=True), **AGREEMENT_ERRORS},
        summary="Your income declarations under an agreement",
    )
    def get(self, request: Request, agreement_id: int) -> Response:
        agreement = agreement_get_for_learner(user=request.user, agreement_id=agreement_id)
        declarations = (
            agreement.declarations.select_related("evidence", "assessment")
            .defer("evidence__content")
            .order_by("period")
        )
        return Response(DeclarationSerializer(declarations, many=True).data)

    @extend_schema(
        operation_id="repayments_declare_income",
        request={
            "application/json": DeclareInputSerializer,
            "multipart/form-data": DeclareInputSerializer,
        },
        responses={201: DeclarationSerializer, **AGREEMENT_ERRORS},
        summary="Declare your gross income for a month of repayment (evidence optional)",
    )
    def post(self, request: Request, agreement_id: int) -> Response:
        agreement = agreement_get_for_learner(user=request.user, agreement_id=agreement_id)
        serializer = self.DeclareInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        upload = serializer.validated_data.get("evidence")
        evidence = None
        if upload is not None:
            if upload.size > MAX_EVIDENCE_BYTES:
                raise EvidenceTooLarge(size=upload.size, maximum=MAX_EVIDENCE_BYTES)
            evidence = Evidence(filename=upload.name or "evidence", content=upload.read())
        declaration = income_declare(
            actor=acting_learner(request),
            agreement=agreement,
            period=serializer.validated_data["period"],
            gross_income=serializer.validated_data["gross_income"],
            evidence=evidence,
        )
        declaration = IncomeDeclaration.objects.select_related("evidence").get(pk=declaration.pk)
        return Response(DeclarationSerializer(declaration).data, status=status.HTTP_201_CREATED)
