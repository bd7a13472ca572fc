"""Funder APIs for programmes: officers create, fund and grant; auditors read. All scoped."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.errors import NotFound
from core.fields import AmountField, CurrencyField, NameField
from core.idempotency import idempotent
from core.money import DEFAULT_CURRENCY
from core.pagination import DefaultCursorPagination, IdCursorPagination
from core.schema import ERROR_RESPONSES, IDEMPOTENCY_HEADER, NOT_FOUND, error
from core.throttling import MONEY_THROTTLES
from providers.models import Provider
from users.models import User
from users.permissions import HasRoleMFA
from wallets.apis.serializers import (
    ProgrammeOutputSerializer,
)
from wallets.balances import programme_money
from wallets.models import (
    EmploymentStatus,
    FundingProgramme,
    LedgerAccount,
    ProgrammeProviderApproval,
)
from wallets.selectors import (
    check_funder_officer,
    funder_get_for_member,
    programme_get_for_member,
    programme_list_for_member,
)
from wallets.services import (
    programme_activate,
    programme_approve_provider,
    programme_close,
    programme_create,
    programme_delete,
    programme_fund,
    programme_update,
)
from wallets.services.programmes import EDITABLE_FIELDS, refuse_not_editable

# Fields a client may read but never write here: status changes through activate and close,
# money through fund; the currency and funder are fixed at creation.
READ_ONLY_FIELDS = {"status", "currency", "funder_id", "budget_account", "budget_balance"}


def _refuse_read_only_fields(request: Request, *, allowed: set[str]) -> None:
    if isinstance(request.data, dict):
        sent = set(request.data) & READ_ONLY_FIELDS
        refuse_not_editable(dict.fromkeys(sent), allowed=allowed)


MONEY_ERRORS = {
    **ERROR_RESPONSES,
    **NOT_FOUND,
    409: error("Idempotency-Key reused with another body, or state conflict."),
    422: error("Refused by a business rule (`budget_exhausted`, `programme_not_active`, ...)."),
}


class ProgrammeInputSerializer(serializers.Serializer):
    name = NameField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    budget_target = AmountField(min_value=0, max_value=10**12, default=0)
    opens_on = serializers.DateField()
    closes_on = serializers.DateField()
    min_age = serializers.IntegerField(min_value=16, max_value=100, default=19)
    regions = serializers.ListField(
        child=serializers.CharField(max_length=64), default=list, max_length=50
    )
    postcode_prefixes = serializers.ListField(
        child=serializers.RegexField(r"^[A-Za-z]{1,2}[0-9]{0,2}[A-Za-z]?$", max_length=8),
        default=list,
        max_length=200,
    )
    employment_statuses = serializers.ListField(
        child=serializers.ChoiceField(choices=EmploymentStatus.choices), default=list
    )
    max_prior_qualification_level = serializers.IntegerField(
        min_value=0, max_value=8, allow_null=True, default=None
    )
    allowance = AmountField(min_value=1, max_value=10**9)
    allowed_levels = serializers.ListField(
        child=serializers.IntegerField(min_value=3, max_value=7), default=list
    )
    allowed_skills = serializers.ListField(
        child=serializers.CharField(max_length=64), default=list, max_length=50
    )
    funds_expiry_months = serializers.IntegerField(min_value=1, max_value=60, default=12)
    co_payment_kind = serializers.ChoiceField(
        choices=FundingProgramme.CoPayment.choices, default="none"
    )
    co_payment_flat = AmountField(min_value=0, max_value=10**9, default=0)
    co_payment_percent = serializers.DecimalField(
        max_digits=5, decimal_places=2, min_value=0, max_value=100, default=Decimal("0")
    )
    milestone_start_percent = serializers.IntegerField(min_value=0, max_value=100, default=45)
    milestone_completion_percent = serializers.IntegerField(min_value=0, max_value=100, default=35)
    milestone_outcome_percent = serializers.IntegerField(min_value=0, max_value=100, default=20)
    attendance_full_percent = serializers.IntegerField(min_value=1, max_value=100, default=80)
    attendance_pro_rata_from_percent = serializers.IntegerField(
        min_value=0, max_value=100, default=25
    )
    attendance_below_fraction = serializers.DecimalField(
        max_digits=4, decimal_places=3, min_value=0, max_value=1, default=Decimal("0.25")
    )
    outcome_sample_rate = serializers.DecimalField(
        max_digits=4, decimal_places=3, min_value=0, max_value=1, default=Decimal("0.10")
    )
    completion_tolerance_days = serializers.IntegerField(
        min_value=0,
        max_value=30,
        default=0,
        help_text="Completion may be recorded this many days before the last planned session.",
    )
    outcome_window_months = serializers.IntegerField(
        min_value=1,
        max_value=24,
        default=6,
        help_text="Outcomes are dated from the cohort's end to this many months after it.",
    )


class ProgrammeCreateInputSerializer(ProgrammeInputSerializer):
    funder_id = serializers.IntegerField()
    currency = CurrencyField(default=DEFAULT_CURRENCY)


class ProgrammePagination(DefaultCursorPagination):
    ordering = "-id"
    page_size = 50


def acting_officer(request: Request) -> User:
    return request.user  # type: ignore[return-value]


class ProgrammeListCreateApi(APIView):
    pagination_class = ProgrammePagination
    permission_classes = [IsAuthenticated, HasRoleMFA]

    class FilterSerializer(serializers.Serializer):
        funder_id = serializers.IntegerField(required=False)
        status = serializers.ChoiceField(choices=FundingProgramme.Status.choices, required=False)

    @extend_schema(
        operation_id="funder_programmes_list",
        parameters=[FilterSerializer],
        responses={200: ProgrammeOutputSerializer(many=True), **ERROR_RESPONSES},
        summary="Programmes of your funders",
    )
    def get(self, request: Request) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        queryset: QuerySet[FundingProgramme] = programme_list_for_member(user=request.user)
        if "funder_id" in filters.validated_data:
            queryset = queryset.filter(funder_id=filters.validated_data["funder_id"])
        if "status" in filters.validated_data:
            queryset = queryset.filter(status=filters.validated_data["status"])
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(queryset, request, view=self)
        return paginator.get_paginated_response(ProgrammeOutputSerializer(page, many=True).data)

    @extend_schema(
        operation_id="funder_programmes_create",
        request=ProgrammeCreateInputSerializer,
        responses={201: ProgrammeOutputSerializer, **ERROR_RESPONSES, **NOT_FOUND},
        summary="Create a draft programme (officers); activate it to open applications",
    )
    def post(self, request: Request) -> Response:
        _refuse_read_only_fields(request, allowed={"currency", "funder_id"})
        serializer = ProgrammeCreateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        funder = funder_get_for_member(user=request.user, funder_id=data.pop("funder_id"))
        check_funder_officer(user=request.user, funder_id=funder.pk)
        programme = programme_create(actor=acting_officer(request), funder=funder, **data)
        return Response(ProgrammeOutputSerializer(programme).data, status=status.HTTP_201_CREATED)


class ProgrammeDetailApi(APIView):
    permission_classes = [IsAuthenticated, HasRoleMFA]

    @extend_schema(
        operation_id="funder_programme_retrieve",
        summary="One of your funders' programmes and its rules",
        responses={200: ProgrammeOutputSerializer, **ERROR_RESPONSES, **NOT_FOUND},
    )
    def get(self, request: Request, programme_id: int) -> Response:
        programme = programme_get_for_member(user=request.user, programme_id=programme_id)
        return Response(ProgrammeOutputSerializer(programme).data)

    @extend_schema(
        operation_id="funder_programme_update",
        request=ProgrammeInputSerializer(partial=True),
        responses={200: ProgrammeOutputSerializer, **ERROR_RESPONSES, **NOT_FOUND},
        summary="Change a programme's rules (officers; not its status, currency or budget)",
    )
    def patch(self, request: Request, programme_id: int) -> Response:
        programme = programme_get_for_member(
            user=request.user, programme_id=programme_id, write=True
        )
        _refuse_read_only_fields(request, allowed=EDITABLE_FIELDS)
        serializer = ProgrammeInputSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        fields = {k: v for k, v in serializer.validated_data.items() if k in request.data}
        programme = programme_update(actor=acting_officer(request), programme=programme, **fields)
        return Response(ProgrammeOutputSerializer(programme).data)

    @extend_schema(
        operation_id="funder_programme_delete",
        responses={204: None, **ERROR_RESPONSES, **NOT_FOUND, 409: error("`programme_in_use`.")},
        summary="Delete a draft programme that has moved no money (officers)",
    )
    def delete(self, request: Request, programme_id: int) -> Response:
        programme = programme_get_for_member(
            user=request.user, programme_id=programme_id, write=True
        )
        programme_delete(actor=acting_officer(request), programme=programme)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ProgrammeActivateApi(APIView):
    permission_classes = [IsAuthenticated, HasRoleMFA]

    @extend_schema(
        operation_id="funder_programme_activate",
        request=None,
        responses={
            200: ProgrammeOutputSerializer,
            **ERROR_RESPONSES,
            **NOT_FOUND,
            409: error("Not a draft (`programme_not_draft`) or closed (`programme_closed`)."),
        },
        summary="Open a draft programme for applications and grants (officers)",
    )
    def post(self, request: Request, programme_id: int) -> Response:
        programme = programme_get_for_member(
            user=request.user, programme_id=programme_id, write=True
        )
        programme = programme_activate(actor=acting_officer(request), programme=programme)
        return Response(ProgrammeOutputSerializer(programme).data)


class ProgrammeCloseApi(APIView):
    permission_classes = [IsAuthenticated, HasRoleMFA]

    class CloseInputSerializer(serializers.Serializer):
        reason = serializers.CharField(
            max_length=500, help_text="Why it closes; kept with the decision."
        )

    @extend_schema(
        operation_id="funder_programme_close",
        request=CloseInputSerializer,
        responses={
            200: ProgrammeOutputSerializer,
            **ERROR_RESPONSES,
            **NOT_FOUND,
            409: error("Already closed (`programme_closed`): closing is final."),
        },
        summary="Close a draft or active programme for good (officers)",
    )
    def post(self, request: Request, programme_id: int) -> Response:
        programme = programme_get_for_member(
            user=request.user, programme_id=programme_id, write=True
        )
        serializer = self.CloseInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        programme = programme_close(
            actor=acting_officer(request),
            programme=programme,
            reason=serializer.validated_data["reason"],
        )
        return Response(ProgrammeOutputSerializer(programme).data)


class ProgrammeFundApi(APIView):
    permission_classes = [IsAuthenticated, HasRoleMFA]
    throttle_classes = MONEY_THROTTLES
    throttle_scope = "money"

    class FundInputSerializer(serializers.Serializer):
        amount = AmountField(min_value=1, max_value=10**12, help_text="Minor units (pence).")

    @extend_schema(
        operation_id="funder_programme_fund",
        parameters=[IDEMPOTENCY_HEADER],
        request=FundInputSerializer,
        responses={
            201: inline_serializer(
                "FundingPosted",
                {
                    "transaction_id": serializers.IntegerField(),
                    "budget_balance": serializers.IntegerField(),
                },
            ),
            **MONEY_ERRORS,
        },
        summary="Move money from the funder into the programme budget (officers)",
    )
    @idempotent
    def post(self, request: Request, programme_id: int) -> Response:
        programme = programme_get_for_member(
            user=request.user, programme_id=programme_id, write=True
        )
        serializer = self.FundInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        transaction_id = programme_fund(
            actor=acting_officer(request),
            programme=programme,
            amount=serializer.validated_data["amount"],
            idempotency_key=request.headers.get("Idempotency-Key"),
        )
        balance = LedgerAccount.objects.get(pk=programme.budget_account_id).balance
        return Response(
            {"transaction_id": transaction_id, "budget_balance": balance},
            status=status.HTTP_201_CREATED,
        )


AMOUNT = "Minor units (pence) of the programme's currency."


class ProviderMoneySerializer(serializers.Serializer):
    provider_id = serializers.IntegerField()
    provider_name = serializers.CharField()
    held_in_escrow = serializers.IntegerField(help_text="Held for the provider's courses now.")
    paid_to_provider = serializers.IntegerField(
        help_text="Released on milestones, net of clawbacks."
    )
    released = serializers.IntegerField()
    clawed_back = serializers.IntegerField()
    returned_from_holds = serializers.IntegerField(
        help_text="Returned from holds to learners' pots (or the budget) on withdrawal or exit."
    )


class DeferralMoneySerializer(serializers.Serializer):
    funded = serializers.IntegerField()
    available = serializers.IntegerField()
    drawn = serializers.IntegerField(help_text="Moved into deferral holds at acceptance.")
    held_in_escrow = serializers.IntegerField()
    paid_to_providers = serializers.IntegerField()
    returned = serializers.IntegerField(help_text="Unspent deferred parts returned on exit.")
    balances = serializers.BooleanField(
        help_text="funded = available + held_in_escrow + paid_to_providers"
    )


class ProgrammeMoneySerializer(serializers.Serializer):
    programme_id = serializers.IntegerField()
    currency = serializers.CharField()
    funded = serializers.IntegerField(help_text="Moved from the funder into the budget.")
    granted = serializers.IntegerField(help_text="Granted from the budget into learners' pots.")
    in_pots = serializers.IntegerField(help_text="Unspent in learners' pots now.")
    held_in_escrow = serializers.IntegerField(help_text="Held for enrolments, not yet paid.")
    paid_to_providers = serializers.IntegerField(help_text="Released to providers, net.")
    released = serializers.IntegerField()
    clawed_back = serializers.IntegerField()
    returned_from_holds = serializers.IntegerField()
    returned_from_expired_pots = serializers.IntegerField()
    reversed = serializers.IntegerField(help_text="Net of reversing transactions.")
    spent_elsewhere = serializers.IntegerField(
        help_text="Left the pots other than into escrow (none: every spend goes into escrow)."
    )
    available = serializers.IntegerField(help_text="In the budget now, free to grant.")
    grants_count = serializers.IntegerField()
    balances = serializers.BooleanField(
        help_text="funded + reversed = available + in_pots + held_in_escrow + paid_to_providers"
    )
    providers = ProviderMoneySerializer(many=True)
    deferral = DeferralMoneySerializer(
        allow_null=True, help_text="The programme's deferred-fee money, when it offers deferral."
    )


class ProgrammeBalanceApi(APIView):
    permission_classes = [IsAuthenticated, HasRoleMFA]

    @extend_schema(
        operation_id="funder_programme_balance",
        responses={200: ProgrammeMoneySerializer, **ERROR_RESPONSES, **NOT_FOUND},
        summary="Where the programme's money is: funded, granted, in pots, held, paid, available",
        description=(
            "Every figure is read from the ledger accounts the programme's money sits in (its "
            "budget, its learners' grant pots, the escrow holds its pots paid into), in "
            "minor units. They add up: funded + reversed = available + in_pots + "
            "held_in_escrow + paid_to_providers. `providers` gives the same per provider."
        ),
    )
    def get(self, request: Request, programme_id: int) -> Response:
        programme = programme_get_for_member(user=request.user, programme_id=programme_id)
        return Response(ProgrammeMoneySerializer(programme_money(programme=programme)).data)


class ApprovedProviderSerializer(serializers.Serializer):
    provider_id = serializers.IntegerField()
    provider_name = serializers.CharField(source="provider.display_name")
    ukprn = serializers.CharField(source="provider.ukprn")
    provider_status = serializers.CharField(source="provider.status")
    approved_by = serializers.EmailField(source="approved_by.email", allow_null=True)
    approved_at = serializers.DateTimeField(source="created_at")


class ApprovalPagination(IdCursorPagination):
    pass


class ProgrammeProviderApproveApi(APIView):
    pagination_class = ApprovalPagination
    permission_classes = [IsAuthenticated, HasRoleMFA]

    class ProviderApproveInputSerializer(serializers.Serializer):
        provider_id = serializers.IntegerField()

    @extend_schema(
        operation_id="funder_programme_providers",
        responses={200: ApprovedProviderSerializer(many=True), **ERROR_RESPONSES, **NOT_FOUND},
        summary="Providers approved for this programme (officers and auditors)",
    )
    def get(self, request: Request, programme_id: int) -> Response:
        programme = programme_get_for_member(user=request.user, programme_id=programme_id)
        approvals = ProgrammeProviderApproval.objects.filter(programme=programme).select_related(
            "provider", "approved_by"
        )
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(approvals, request, view=self)
        return paginator.get_paginated_response(ApprovedProviderSerializer(page, many=True).data)

    @extend_schema(
        operation_id="funder_programme_provider_approve",
        request=ProviderApproveInputSerializer,
        responses={
            201: inline_serializer(
                "ProviderApproved",
                {
                    "programme_id": serializers.IntegerField(),
                    "provider_id": serializers.IntegerField(),
                },
            ),
            **MONEY_ERRORS,
        },
        summary="Approve a provider for this programme (officers)",
    )
    def post(self, request: Request, programme_id: int) -> Response:
        programme = programme_get_for_member(
            user=request.user, programme_id=programme_id, write=True
        )
        serializer = self.ProviderApproveInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        provider = Provider.objects.filter(pk=serializer.validated_data["provider_id"]).first()
        if provider is None:
            raise NotFound("Provider not found.")
        approval = programme_approve_provider(
            actor=acting_officer(request), programme=programme, provider=provider
        )
        return Response(
            {"programme_id": approval.programme_id, "provider_id": approval.provider_id},
            status=status.HTTP_201_CREATED,
        )
