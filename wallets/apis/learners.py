"""Learner APIs: the wallet, its pots and statement; programmes to apply to; applications."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.utils import timezone
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.errors import InvalidInput
from core.pagination import DefaultCursorPagination
from core.schema import ERROR_RESPONSES, NOT_FOUND, error
from users.models import User
from wallets.apis.serializers import ApplicationOutputSerializer, PublicProgrammeSerializer
from wallets.eligibility import EligibilityFacts, check_eligibility, normalise_postcode
from wallets.models import EmploymentStatus
from wallets.selectors import (
    applications_for_learner,
    programme_get_open,
    programmes_open_to_learners,
    wallet_pots_for_learner,
    wallet_statement_for_learner,
)
from wallets.services import application_submit


class PotOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    status = serializers.CharField()
    programme_id = serializers.IntegerField(allow_null=True)
    programme_name = serializers.CharField(source="programme.name", allow_null=True, default=None)
    funder_name = serializers.CharField(
        source="programme.funder.name", allow_null=True, default=None
    )
    balance = serializers.IntegerField(source="account.balance")
    currency = serializers.CharField(source="account.currency")
    expires_at = serializers.DateTimeField(allow_null=True)


class WalletApi(APIView):
    @extend_schema(
        operation_id="wallet_retrieve",
        responses={
            200: inline_serializer(
                "Wallet",
                {
                    "totals": serializers.DictField(
                        child=serializers.IntegerField(),
                        help_text="Spendable balance per currency.",
                    ),
                    "pots": PotOutputSerializer(many=True),
                },
            ),
            **ERROR_RESPONSES,
        },
        summary="Your wallet: balance in total and per pot",
    )
    def get(self, request: Request) -> Response:
        pots = wallet_pots_for_learner(user=request.user)
        now = timezone.now()
        totals: dict[str, int] = defaultdict(int)
        for pot in pots:
            if pot.is_spendable(now):
                totals[pot.account.currency] += pot.account.balance
        return Response({"totals": dict(totals), "pots": PotOutputSerializer(pots, many=True).data})


class WalletPotListApi(APIView):
    @extend_schema(
        operation_id="wallet_pots",
        summary="Your wallet's pots: balance, programme, expiry",
        responses={200: PotOutputSerializer(many=True), **ERROR_RESPONSES},
    )
    def get(self, request: Request) -> Response:
        return Response(
            PotOutputSerializer(wallet_pots_for_learner(user=request.user), many=True).data
        )


class StatementPagination(DefaultCursorPagination):
    ordering = "-id"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class StatementLineSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    pot_id = serializers.IntegerField(source="account.pot.id")
    programme_name = serializers.CharField(
        source="account.pot.programme.name", allow_null=True, default=None
    )
    kind = serializers.CharField(source="transaction.kind")
    description = serializers.CharField(source="transaction.memo")
    amount = serializers.IntegerField(help_text="Positive in, negative out; minor units.")
    currency = serializers.CharField()
    balance_after = serializers.IntegerField()
    transaction_id = serializers.IntegerField()


class WalletStatementApi(APIView):
    pagination_class = StatementPagination

    @extend_schema(
        operation_id="wallet_statement",
        summary="Every movement of your wallet's money, newest first (cursor-paginated)",
        responses={200: StatementLineSerializer(many=True), **ERROR_RESPONSES},
    )
    def get(self, request: Request) -> Response:
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(
            wallet_statement_for_learner(user=request.user), request, view=self
        )
        return paginator.get_paginated_response(StatementLineSerializer(page, many=True).data)


class OpenProgrammeListApi(APIView):
    @extend_schema(
        operation_id="programmes_open",
        summary="Programmes open for applications today",
        responses={200: PublicProgrammeSerializer(many=True), **ERROR_RESPONSES},
    )
    def get(self, request: Request) -> Response:
        programmes = programmes_open_to_learners(today=timezone.localdate()).order_by(
            "closes_on", "pk"
        )
        return Response(PublicProgrammeSerializer(programmes, many=True).data)


class EligibilityInputSerializer(serializers.Serializer):
    date_of_birth = serializers.DateField()
    postcode = serializers.CharField(max_length=10)
    region = serializers.CharField(max_length=64)
    employment_status = serializers.ChoiceField(choices=EmploymentStatus.choices)
    highest_qualification_level = serializers.IntegerField(
        min_value=0, max_value=8, help_text="0 = none, 3 = A level, 6 = degree"
    )

    def validate_postcode(self, value: str) -> str:
        normalised = normalise_postcode(value)
        if normalised is None:
            raise serializers.ValidationError("Enter a UK postcode, such as B1 1AA.")
        return normalised

    def validate_date_of_birth(self, value: dt.date) -> dt.date:
        if value >= timezone.localdate():
            raise serializers.ValidationError("The date of birth must be in the past.")
        return value

    def facts(self) -> EligibilityFacts:
        return EligibilityFacts(**self.validated_data)


REASONS = inline_serializer(
    "EligibilityReason", {"code": serializers.CharField(), "message": serializers.CharField()}
)


class ProgrammeEligibilityApi(APIView):
    @extend_schema(
        operation_id="programme_eligibility_check",
        request=EligibilityInputSerializer,
        responses={
            200: inline_serializer(
                "Eligibility", {"eligible": serializers.BooleanField(), "reasons": REASONS}
            ),
            **ERROR_RESPONSES,
            **NOT_FOUND,
        },
        summary="Check eligibility without applying: every reason you are not eligible",
    )
    def post(self, request: Request, programme_id: int) -> Response:
        programme = programme_get_open(programme_id=programme_id)
        serializer = EligibilityInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        reasons = check_eligibility(programme, serializer.facts(), timezone.localdate())
        return Response(
            {
                "eligible": not reasons,
                "reasons": [{"code": r.code, "message": r.message} for r in reasons],
            }
        )


class ProgrammeApplyApi(APIView):
    @extend_schema(
        operation_id="programme_apply",
        request=EligibilityInputSerializer,
        responses={
            201: ApplicationOutputSerializer,
            **ERROR_RESPONSES,
            **NOT_FOUND,
            409: error("Already applied (`already_applied`)."),
            422: error("Not eligible (`not_eligible`, reasons in `extra.reasons`)."),
        },
        summary="Apply to a programme",
    )
    def post(self, request: Request, programme_id: int) -> Response:
        programme = programme_get_open(programme_id=programme_id)
        serializer = EligibilityInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        learner: User = request.user  # type: ignore[assignment]
        if learner.is_staff:
            raise InvalidInput("Platform staff accounts cannot apply for funding.")
        application = application_submit(
            actor=learner, programme=programme, facts=serializer.facts()
        )
        return Response(
            ApplicationOutputSerializer(application).data, status=status.HTTP_201_CREATED
        )


class MyApplicationListApi(APIView):
    @extend_schema(
        operation_id="applications_mine",
        summary="Your applications for funding and their decisions",
        responses={200: ApplicationOutputSerializer(many=True), **ERROR_RESPONSES},
    )
    def get(self, request: Request) -> Response:
        return Response(
            ApplicationOutputSerializer(
                applications_for_learner(user=request.user).order_by("-id"), many=True
            ).data
        )
