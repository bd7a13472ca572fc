"""Public repayment APIs (no login): the calculator and the list of plans."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers
from rest_framework.parsers import JSONParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle, ScopedRateThrottle
from rest_framework.views import APIView

from core.fields import AmountField
from core.money import CURRENCY_CHOICES
from core.schema import ERROR_RESPONSES, error
from payments.calculator import (
    Basis,
    PayPeriod,
    PlanTerms,
    parse_tax_year,
    repayment_due,
    tax_year_label,
)
from payments.selectors import plan_get_by_code, plan_threshold_for, plans_active

MAX_PAY = 10**12  # minor units in one pay period: ten billion pounds


class PublicThrottle(ScopedRateThrottle):
    pass


class CalculateInputSerializer(serializers.Serializer):
    plan = serializers.CharField(
        required=False, max_length=40, help_text="A plan code, e.g. plan_2 (see /repayments/plans)."
    )
    tax_year = serializers.CharField(
        required=False, max_length=7, help_text='With `plan`: the UK tax year, e.g. "2024-25".'
    )
    basis = serializers.ChoiceField(
        choices=[b.value for b in Basis], required=False, help_text="Explicit plan: the basis."
    )
    rate = serializers.DecimalField(
        max_digits=5,
        decimal_places=4,
        min_value=Decimal("0.0001"),
        max_value=Decimal("1"),
        required=False,
        help_text='Explicit plan: the rate as a fraction, e.g. "0.17".',
    )
    annual_threshold = AmountField(
        required=False, max_value=MAX_PAY, help_text="Explicit plan: annual threshold."
    )
    currency = serializers.ChoiceField(
        choices=CURRENCY_CHOICES, required=False, help_text="Explicit plan: the currency."
    )
    pay_period = serializers.ChoiceField(choices=[p.value for p in PayPeriod])
    gross_pay = AmountField(max_value=MAX_PAY, help_text="Gross pay for the period.")
    cap = AmountField(required=False, max_value=MAX_PAY, help_text="The most ever payable.")
    repaid = AmountField(
        required=False, max_value=MAX_PAY, default=0, help_text="Already paid towards the cap."
    )
    balance = AmountField(required=False, max_value=MAX_PAY, help_text="What is still outstanding.")

    EXPLICIT = ("basis", "rate", "annual_threshold", "currency")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        explicit = [name for name in self.EXPLICIT if name in attrs]
        if "plan" in attrs:
            if explicit:
                raise serializers.ValidationError(
                    {explicit[0]: "Give either a plan and tax year, or an explicit plan."}
                )
            if "tax_year" not in attrs:
                raise serializers.ValidationError({"tax_year": "Required with a plan."})
            start = parse_tax_year(attrs["tax_year"])
            if start is None:
                raise serializers.ValidationError({"tax_year": 'A UK tax year such as "2024-25".'})
            attrs["tax_year"] = start
        else:
            missing = [name for name in self.EXPLICIT if name not in attrs]
            if missing:
                raise serializers.ValidationError(
                    {missing[0]: "Required without a plan (or give a plan and tax year)."}
                )
        return attrs


class CalculationOutputSerializer(serializers.Serializer):
    currency = serializers.CharField()
    plan = serializers.CharField(allow_null=True)
    tax_year = serializers.CharField(allow_null=True)
    basis = serializers.CharField()
    rate = serializers.CharField()
    pay_period = serializers.CharField()
    periods_per_year = serializers.IntegerField()
    annual_threshold = serializers.IntegerField()
    period_threshold = serializers.IntegerField(help_text="Annual ÷ periods, truncated.")
    gross_pay = serializers.IntegerField()
    chargeable_pay = serializers.IntegerField(help_text="What the rate applies to.")
    due_by_rule = serializers.IntegerField(help_text="Before the cap and balance.")
    due = serializers.IntegerField()
    limited_by = serializers.CharField(allow_null=True)
    working = serializers.ListField(child=serializers.CharField())


class RepaymentCalculateApi(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list[type] = []
    parser_classes = [JSONParser]
    throttle_classes = [AnonRateThrottle, PublicThrottle]
    throttle_scope = "public"

    @extend_schema(
        operation_id="repayments_calculate",
        request=CalculateInputSerializer,
        responses={
            200: CalculationOutputSerializer,
            400: error(
                "Invalid input (`invalid`), unknown plan (`unknown_plan`), or no threshold "
                "for that tax year (`threshold_not_found`)."
            ),
            429: ERROR_RESPONSES[429],
        },
        auth=[],
        summary="What is due for one pay period's gross pay (minor units)",
        examples=[
            OpenApiExample(
                "Plan 2, monthly",
                value={
                    "plan": "plan_2",
                    "tax_year": "2024-25",
                    "pay_period": "monthly",
                    "gross_pay": 240000,
                },
                request_only=True,
            )
        ],
    )
    def post(self, request: Request) -> Response:
        serializer = CalculateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        plan_code: str | None = None
        tax_year: str | None = None
        if "plan" in data:
            plan = plan_get_by_code(code=data["plan"])
            threshold = plan_threshold_for(plan=plan, tax_year=data["tax_year"])
            terms = PlanTerms(
                Basis(plan.basis), plan.rate, threshold.annual_threshold, plan.currency
            )
            plan_code, tax_year = plan.code, tax_year_label(data["tax_year"])
        else:
            terms = PlanTerms(
                Basis(data["basis"]), data["rate"], data["annual_threshold"], data["currency"]
            )
        calculation = repayment_due(
            terms=terms,
            pay_period=PayPeriod(data["pay_period"]),
            gross_pay=data["gross_pay"],
            cap=data.get("cap"),
            repaid=data["repaid"],
            balance=data.get("balance"),
        )
        return Response(
            CalculationOutputSerializer(
                {
                    **calculation.__dict__,
                    "plan": plan_code,
                    "tax_year": tax_year,
                    "basis": calculation.basis.value,
                    "rate": str(calculation.rate),
                    "pay_period": calculation.pay_period.value,
                }
            ).data
        )


class ThresholdSerializer(serializers.Serializer):
    tax_year = serializers.CharField(source="tax_year_label")
    annual_threshold = serializers.IntegerField()


class PlanSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField()
    statutory = serializers.BooleanField()
    basis = serializers.CharField()
    rate = serializers.DecimalField(max_digits=5, decimal_places=4)
    currency = serializers.CharField()
    cap_kind = serializers.CharField()
    cap_multiple = serializers.DecimalField(max_digits=6, decimal_places=3, allow_null=True)
    cap_amount = serializers.IntegerField(allow_null=True)
    max_payments = serializers.IntegerField(allow_null=True)
    term_years = serializers.IntegerField()
    write_off_rule = serializers.CharField()
    threshold_rule = serializers.CharField()
    thresholds = ThresholdSerializer(many=True)


class RepaymentPlanListApi(APIView):
    permission_classes = [AllowAny]
    throttle_classes = [AnonRateThrottle, PublicThrottle]
    throttle_scope = "public"

    @extend_schema(
        operation_id="repayments_plans",
        responses={200: PlanSerializer(many=True), **ERROR_RESPONSES},
        auth=[],
        summary="Repayment plans and their thresholds by tax year",
    )
    def get(self, request: Request) -> Response:
        return Response(PlanSerializer(plans_active(), many=True).data)
