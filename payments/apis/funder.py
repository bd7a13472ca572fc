"""Funder APIs for deferral: officers offer and fund it; officers and auditors read the
deferral budget and every agreement's statement on their programmes (404 outside them)."""

from __future__ import annotations

from django.db.models import Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.errors import NotFound
from core.fields import AmountField
from core.idempotency import idempotent
from core.pagination import DefaultCursorPagination
from core.schema import ERROR_RESPONSES, IDEMPOTENCY_HEADER, NOT_FOUND, error
from core.throttling import MONEY_THROTTLES
from payments.apis.common import (
    AGREEMENT_ERRORS,
    FunderAgreementSummarySerializer,
    StatementSerializer,
)
from payments.models import ProgrammeDeferral, RepaymentAgreement
from payments.selectors import (
    agreement_get_for_funder_member,
    agreements_for_funder_member,
    deferral_get_for_programme,
)
from payments.services import deferral_configure, deferral_fund
from payments.statements import agreement_statement
from users.models import User
from users.permissions import HasRoleMFA
from wallets.models import LedgerAccount
from wallets.selectors import programme_get_for_member

MONEY_ERRORS = {
    **ERROR_RESPONSES,
    **NOT_FOUND,
    409: error("Idempotency-Key reused with another body."),
    422: error("Refused by a business rule."),
}


def acting_officer(request: Request) -> User:
    return request.user  # type: ignore[return-value]


class DeferralOutputSerializer(serializers.Serializer):
    programme_id = serializers.IntegerField()
    plan = serializers.CharField(source="plan.code")
    plan_name = serializers.CharField(source="plan.name")
    currency = serializers.CharField(source="plan.currency")
    max_per_learner = serializers.IntegerField()
    active = serializers.BooleanField()
    budget_balance = serializers.IntegerField(source="budget_account.balance")
    debt_outstanding = serializers.SerializerMethodField(
        help_text="Deferred fees learners owe and that are not yet due (all agreements)."
    )
    owed = serializers.SerializerMethodField(help_text="Repayments due, awaiting collection.")
    agreements_live = serializers.SerializerMethodField()

    def get_debt_outstanding(self, deferral: ProgrammeDeferral) -> int:
        total: int = LedgerAccount.objects.filter(receivable_of__deferral=deferral).aggregate(
            total=Coalesce(Sum("balance"), 0)
        )["total"]
        return total

    def get_owed(self, deferral: ProgrammeDeferral) -> int:
        total: int = LedgerAccount.objects.filter(owed_of__deferral=deferral).aggregate(
            total=Coalesce(Sum("balance"), 0)
        )["total"]
        return total

    def get_agreements_live(self, deferral: ProgrammeDeferral) -> int:
        return deferral.agreements.filter(status__in=RepaymentAgreement.LIVE).count()


class ProgrammeDeferralApi(APIView):
    permission_classes = [IsAuthenticated, HasRoleMFA]

    class ConfigureInputSerializer(serializers.Serializer):
        plan = serializers.CharField(max_length=40, help_text="A repayment plan code.")
        max_per_learner = AmountField(
            min_value=1, max_value=10**12, help_text="The most one learner may defer."
        )
        active = serializers.BooleanField(default=True)

    @extend_schema(
        operation_id="funder_programme_deferral",
        responses={200: DeferralOutputSerializer, **ERROR_RESPONSES, **NOT_FOUND},
        summary="The programme's deferral offer and budget",
    )
    def get(self, request: Request, programme_id: int) -> Response:
        programme = programme_get_for_member(user=request.user, programme_id=programme_id)
        deferral = deferral_get_for_programme(programme=programme)
        if deferral is None:
            raise NotFound("This programme does not offer deferral.")
        return Response(DeferralOutputSerializer(deferral).data)

    @extend_schema(
        operation_id="funder_programme_deferral_configure",
        request=ConfigureInputSerializer,
        responses={
            200: DeferralOutputSerializer,
            201: DeferralOutputSerializer,
            **ERROR_RESPONSES,
            **NOT_FOUND,
        },
        summary="Offer deferral on a programme, or change it (officers)",
    )
    def post(self, request: Request, programme_id: int) -> Response:
        programme = programme_get_for_member(
            user=request.user, programme_id=programme_id, write=True
        )
        serializer = self.ConfigureInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        deferral, created = deferral_configure(
            actor=acting_officer(request),
            programme=programme,
            plan_code=serializer.validated_data["plan"],
            max_per_learner=serializer.validated_data["max_per_learner"],
            active=serializer.validated_data["active"],
        )
        return Response(
            DeferralOutputSerializer(deferral_get_for_programme(programme=programme)).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class ProgrammeDeferralFundApi(APIView):
    permission_classes = [IsAuthenticated, HasRoleMFA]
    throttle_classes = MONEY_THROTTLES
    throttle_scope = "money"

    class DeferralFundInputSerializer(serializers.Serializer):
        amount = AmountField(min_value=1, max_value=10**12, help_text="Minor units.")

    @extend_schema(
        operation_id="funder_programme_deferral_fund",
        parameters=[IDEMPOTENCY_HEADER],
        request=DeferralFundInputSerializer,
        responses={
            201: inline_serializer(
                "DeferralFunded",
                {
                    "transaction_id": serializers.IntegerField(),
                    "budget_balance": serializers.IntegerField(),
                },
            ),
            **MONEY_ERRORS,
        },
        summary="Move money from the funder into the programme's deferral budget (officers)",
    )
    @idempotent
    def post(self, request: Request, programme_id: int) -> Response:
        programme = programme_get_for_member(
            user=request.user, programme_id=programme_id, write=True
        )
        deferral = deferral_get_for_programme(programme=programme)
        if deferral is None:
            raise NotFound("This programme does not offer deferral; configure it first.")
        serializer = self.DeferralFundInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        transaction_id = deferral_fund(
            actor=acting_officer(request),
            deferral=deferral,
            amount=serializer.validated_data["amount"],
            idempotency_key=request.headers.get("Idempotency-Key"),
        )
        balance = LedgerAccount.objects.get(pk=deferral.budget_account_id).balance
        return Response(
            {"transaction_id": transaction_id, "budget_balance": balance},
            status=status.HTTP_201_CREATED,
        )


class AgreementPagination(DefaultCursorPagination):
    ordering = "-id"
    page_size = 50


class ProgrammeAgreementListApi(APIView):
    pagination_class = AgreementPagination
    permission_classes = [IsAuthenticated, HasRoleMFA]

    class FilterSerializer(serializers.Serializer):
        status = serializers.ChoiceField(choices=RepaymentAgreement.Status.choices, required=False)
        flagged = serializers.BooleanField(
            required=False,
            allow_null=True,
            default=None,
            help_text="Only agreements flagged for missing declarations.",
        )

    @extend_schema(
        operation_id="funder_programme_repayment_agreements",
        parameters=[FilterSerializer],
        responses={200: FunderAgreementSummarySerializer(many=True), **AGREEMENT_ERRORS},
        summary="Repayment agreements on a programme",
    )
    def get(self, request: Request, programme_id: int) -> Response:
        programme = programme_get_for_member(user=request.user, programme_id=programme_id)
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        queryset = agreements_for_funder_member(user=request.user).filter(
            deferral__programme=programme
        )
        if "status" in filters.validated_data:
            queryset = queryset.filter(status=filters.validated_data["status"])
        if filters.validated_data.get("flagged") is not None:
            queryset = queryset.filter(
                declaration_flagged_at__isnull=not filters.validated_data["flagged"]
            )
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(queryset, request, self)
        return paginator.get_paginated_response(
            FunderAgreementSummarySerializer(page, many=True).data
        )


class FunderAgreementDetailApi(APIView):
    permission_classes = [IsAuthenticated, HasRoleMFA]

    @extend_schema(
        operation_id="funder_repayment_agreement_statement",
        responses={200: StatementSerializer, **AGREEMENT_ERRORS},
        summary="An agreement's statement on one of your programmes",
    )
    def get(self, request: Request, agreement_id: int) -> Response:
        agreement = agreement_get_for_funder_member(user=request.user, agreement_id=agreement_id)
        statement = agreement_statement(agreement=agreement, today=timezone.localdate())
        return Response(StatementSerializer(statement).data)
