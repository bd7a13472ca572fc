"""Providers see their earnings: paid per milestone, still held and payable on which milestone,
clawed back, and the payable balance that payouts pay out. Only the provider's own people."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.pagination import DefaultCursorPagination
from core.schema import ERROR_RESPONSES, NOT_FOUND
from courses.models import Cohort
from courses.selectors import cohort_get_for_member
from enrolments.models import Enrolment, MilestonePayment
from enrolments.selectors import (
    Earnings,
    cohort_earnings_by_enrolment,
    provider_earnings_by_cohort,
)
from enrolments.services.money import milestone_share
from providers.selectors import provider_get_for_member
from users.permissions import HasRoleMFA

MILESTONES = [m.value for m in MilestonePayment.Milestone]


class EarningsSerializer(serializers.Serializer):
    held = serializers.IntegerField(help_text="Held in escrow for you now (minor units).")
    released = serializers.IntegerField(help_text="Released to you on milestones.")
    clawed_back = serializers.IntegerField(help_text="Taken back when a cohort was cancelled.")
    paid = serializers.IntegerField(help_text="Released less clawed back.")
    returned_to_learners = serializers.IntegerField(
        help_text="Returned from escrow to learners: withdrawals, cancellations, unpaid outcomes."
    )


class CohortEarningsSerializer(EarningsSerializer):
    cohort_id = serializers.IntegerField()
    course_title = serializers.CharField()
    start_date = serializers.DateField()
    end_date = serializers.DateField()


def _earnings_row(earnings: Earnings) -> dict[str, int]:
    return {
        "held": earnings.held,
        "released": earnings.released,
        "clawed_back": earnings.clawed_back,
        "paid": earnings.paid,
        "returned_to_learners": earnings.returned_to_learners,
    }


class ProviderEarningsPagination(DefaultCursorPagination):
    ordering = ("-start_date", "-id")


class ProviderEarningsApi(APIView):
    pagination_class = ProviderEarningsPagination
    permission_classes = [IsAuthenticated, HasRoleMFA]

    class ProviderEarningsOutputSerializer(serializers.Serializer):
        payable = serializers.DictField(
            child=serializers.IntegerField(),
            help_text="Your payable balance per currency: earned, not yet paid out.",
        )
        totals = EarningsSerializer()
        cohorts = CohortEarningsSerializer(many=True)
        next = serializers.URLField(allow_null=True, help_text="The next page of cohorts.")
        previous = serializers.URLField(allow_null=True)

    @extend_schema(
        operation_id="provider_earnings",
        responses={200: ProviderEarningsOutputSerializer, **ERROR_RESPONSES, **NOT_FOUND},
        summary="Your earnings: payable balance, and per cohort what is held, paid, clawed back",
        description=(
            "Read from the ledger: escrow holds for your courses and your payable account. "
            "Cohorts with money in escrow, newest first, cursor-paginated (`next`)."
        ),
    )
    def get(self, request: Request, provider_id: int) -> Response:
        provider = provider_get_for_member(user=request.user, provider_id=provider_id)
        payable, by_cohort = provider_earnings_by_cohort(provider_id=provider.pk)
        totals = Earnings()
        for earnings in by_cohort.values():
            totals.held += earnings.held
            totals.released += earnings.released
            totals.clawed_back += earnings.clawed_back
            totals.returned_to_learners += earnings.returned_to_learners
        cohorts = Cohort.objects.filter(pk__in=list(by_cohort)).select_related("course")
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(cohorts, request, view=self) or []
        rows = [
            {
                "cohort_id": cohort.pk,
                "course_title": cohort.course.title,
                "start_date": cohort.start_date,
                "end_date": cohort.end_date,
                **_earnings_row(by_cohort[cohort.pk]),
            }
            for cohort in page
        ]
        return Response(
            self.ProviderEarningsOutputSerializer(
                {
                    "payable": payable,
                    "totals": _earnings_row(totals),
                    "cohorts": rows,
                    "next": paginator.get_next_link(),
                    "previous": paginator.get_previous_link(),
                }
            ).data
        )


class PaidSerializer(serializers.Serializer):
    start = serializers.IntegerField(allow_null=True)
    completion = serializers.IntegerField(allow_null=True)
    outcome = serializers.IntegerField(allow_null=True)


class PayableOnSerializer(serializers.Serializer):
    milestone = serializers.CharField()
    amount = serializers.IntegerField(
        help_text="The most this milestone pays (completion is scaled by attendance)."
    )


class EnrolmentEarningsSerializer(EarningsSerializer):
    enrolment_id = serializers.IntegerField()
    learner_name = serializers.CharField()
    status = serializers.CharField()
    paid_per_milestone = PaidSerializer(help_text="What each milestone paid; null: not yet.")
    payable_on = PayableOnSerializer(many=True, help_text="Milestones still to pay, in order.")


def _payable_on(enrolment: Enrolment, paid: dict[str, int]) -> list[dict[str, Any]]:
    if enrolment.hold_closed_at is not None or enrolment.status in (
        Enrolment.Status.WITHDRAWN,
        Enrolment.Status.CANCELLED,
    ):
        return []
    return [
        {"milestone": milestone, "amount": milestone_share(enrolment, milestone)}
        for milestone in MILESTONES
        if milestone not in paid
    ]


class ProviderCohortEarningsApi(APIView):
    permission_classes = [IsAuthenticated, HasRoleMFA]

    class CohortEarningsOutputSerializer(serializers.Serializer):
        cohort_id = serializers.IntegerField()
        totals = EarningsSerializer()
        enrolments = EnrolmentEarningsSerializer(many=True)

    @extend_schema(
        operation_id="provider_cohort_earnings",
        responses={200: CohortEarningsOutputSerializer, **ERROR_RESPONSES, **NOT_FOUND},
        summary="A cohort's earnings per enrolment: paid per milestone, held, payable on which",
    )
    def get(self, request: Request, cohort_id: int) -> Response:
        cohort = cohort_get_for_member(user=request.user, cohort_id=cohort_id)
        flows = cohort_earnings_by_enrolment(cohort=cohort)
        enrolments = (
            Enrolment.objects.filter(pk__in=list(flows))
            .select_related("learner")
            .prefetch_related("milestone_payments", "holds")
            .order_by("pk")
        )
        rows, totals = [], Earnings()
        for enrolment in enrolments:
            paid = {p.milestone: p.amount for p in enrolment.milestone_payments.all()}
            earnings = flows[enrolment.pk]
            totals.held += earnings.held
            totals.released += earnings.released
            totals.clawed_back += earnings.clawed_back
            totals.returned_to_learners += earnings.returned_to_learners
            rows.append(
                {
                    "enrolment_id": enrolment.pk,
                    "learner_name": enrolment.learner.get_full_name(),
                    "status": enrolment.status,
                    "paid_per_milestone": {m: paid.get(m) for m in MILESTONES},
                    "payable_on": _payable_on(enrolment, paid),
                    **_earnings_row(earnings),
                }
            )
        return Response(
            self.CohortEarningsOutputSerializer(
                {"cohort_id": cohort.pk, "totals": _earnings_row(totals), "enrolments": rows}
            ).data
        )
