"""Learners' enrolment APIs: apply, accept, decline, withdraw, confirm start, report problems."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.fields import AmountField
from core.idempotency import idempotent
from core.schema import ERROR_RESPONSES, IDEMPOTENCY_HEADER, NOT_FOUND
from core.throttling import MONEY_THROTTLES
from courses.selectors import cohort_get_open
from enrolments.apis.common import (
    TRANSITION_ERRORS,
    EnrolmentOutputSerializer,
    EnrolmentPagination,
    EventSerializer,
    ProblemSerializer,
    ReasonSerializer,
    acting_user,
    enrolment_page,
    enrolment_response,
)
from enrolments.origin import application_origin
from enrolments.selectors import enrolment_get_for_learner, enrolments_for_learner
from enrolments.services import (
    enrolment_accept,
    enrolment_apply,
    enrolment_confirm_start,
    enrolment_decline,
    enrolment_dispute_start,
    enrolment_report_problem,
    enrolment_withdraw,
)

# --- Learner -----------------------------------------------------------------------------------


class CohortApplyApi(APIView):
    class ApplyInputSerializer(serializers.Serializer):
        statement = serializers.CharField(
            max_length=2000, required=False, allow_blank=True, default=""
        )

    @extend_schema(
        operation_id="cohort_apply",
        summary="Apply for a place on a cohort",
        request=ApplyInputSerializer,
        responses={201: EnrolmentOutputSerializer, **TRANSITION_ERRORS},
    )
    def post(self, request: Request, cohort_id: int) -> Response:
        cohort = cohort_get_open(cohort_id=cohort_id)
        serializer = self.ApplyInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return enrolment_response(
            enrolment_apply(
                actor=acting_user(request),
                cohort=cohort,
                origin=application_origin(request),
                **serializer.validated_data,
            ),
            status.HTTP_201_CREATED,
        )


class MyEnrolmentListApi(APIView):
    pagination_class = EnrolmentPagination  # what enrolment_page uses; the schema reads it

    @extend_schema(
        operation_id="enrolments_mine",
        summary="Your enrolments, newest first",
        responses={200: EnrolmentOutputSerializer(many=True), **ERROR_RESPONSES},
    )
    def get(self, request: Request) -> Response:
        return enrolment_page(self, request, enrolments_for_learner(user=request.user))


class MyEnrolmentDetailApi(APIView):
    @extend_schema(
        operation_id="enrolment_mine",
        summary="One of your enrolments: state, price, milestones, dates",
        responses={200: EnrolmentOutputSerializer, **ERROR_RESPONSES, **NOT_FOUND},
    )
    def get(self, request: Request, enrolment_id: int) -> Response:
        return enrolment_response(
            enrolment_get_for_learner(user=request.user, enrolment_id=enrolment_id)
        )


class EnrolmentAcceptApi(APIView):
    throttle_classes = MONEY_THROTTLES
    throttle_scope = "money"

    class EnrolmentAcceptInputSerializer(serializers.Serializer):
        deferred_part = AmountField(
            min_value=0, default=0, help_text="Part of the price to defer (repayment agreement)."
        )

    @extend_schema(
        operation_id="enrolment_accept",
        parameters=[IDEMPOTENCY_HEADER],
        request=EnrolmentAcceptInputSerializer,
        responses={200: EnrolmentOutputSerializer, **TRANSITION_ERRORS},
        summary="Accept an offer: take a seat, hold the wallet part (or join the waiting list)",
    )
    @idempotent
    def post(self, request: Request, enrolment_id: int) -> Response:
        enrolment = enrolment_get_for_learner(user=request.user, enrolment_id=enrolment_id)
        serializer = self.EnrolmentAcceptInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return enrolment_response(
            enrolment_accept(
                actor=acting_user(request),
                enrolment=enrolment,
                deferred_part=serializer.validated_data["deferred_part"],
                idempotency_key=request.headers.get("Idempotency-Key"),
            )
        )


class LearnerDeclineApi(APIView):
    @extend_schema(
        operation_id="enrolment_learner_decline",
        summary="Decline an offer or leave the waiting list",
        request=ReasonSerializer,
        responses={200: EnrolmentOutputSerializer, **TRANSITION_ERRORS},
    )
    def post(self, request: Request, enrolment_id: int) -> Response:
        enrolment = enrolment_get_for_learner(user=request.user, enrolment_id=enrolment_id)
        serializer = ReasonSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return enrolment_response(
            enrolment_decline(
                actor=acting_user(request), enrolment=enrolment, **serializer.validated_data
            )
        )


class EnrolmentWithdrawApi(APIView):
    throttle_classes = MONEY_THROTTLES
    throttle_scope = "money"

    @extend_schema(
        operation_id="enrolment_withdraw",
        request=ReasonSerializer,
        parameters=[IDEMPOTENCY_HEADER],
        responses={200: EnrolmentOutputSerializer, **TRANSITION_ERRORS},
        summary="Withdraw: held funds not yet paid to the provider return to your pots",
    )
    @idempotent
    def post(self, request: Request, enrolment_id: int) -> Response:
        enrolment = enrolment_get_for_learner(user=request.user, enrolment_id=enrolment_id)
        serializer = ReasonSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return enrolment_response(
            enrolment_withdraw(
                actor=acting_user(request), enrolment=enrolment, **serializer.validated_data
            )
        )


class EnrolmentConfirmStartApi(APIView):
    throttle_classes = MONEY_THROTTLES
    throttle_scope = "money"

    @extend_schema(
        operation_id="enrolment_confirm_start",
        request=None,
        parameters=[IDEMPOTENCY_HEADER],
        responses={200: EnrolmentOutputSerializer, **TRANSITION_ERRORS},
        summary="Confirm that your course started (with the provider's record, pays the start)",
    )
    @idempotent
    def post(self, request: Request, enrolment_id: int) -> Response:
        enrolment = enrolment_get_for_learner(user=request.user, enrolment_id=enrolment_id)
        return enrolment_response(
            enrolment_confirm_start(actor=acting_user(request), enrolment=enrolment)
        )


class EnrolmentProblemApi(APIView):
    class ProblemInputSerializer(serializers.Serializer):
        description = serializers.CharField(max_length=5000)

    @extend_schema(
        operation_id="enrolment_report_problem",
        request=ProblemInputSerializer,
        responses={201: ProblemSerializer, **ERROR_RESPONSES, **NOT_FOUND},
        summary="Report a problem (kept and visible to the funder)",
    )
    def post(self, request: Request, enrolment_id: int) -> Response:
        enrolment = enrolment_get_for_learner(user=request.user, enrolment_id=enrolment_id)
        serializer = self.ProblemInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        report = enrolment_report_problem(
            actor=acting_user(request), enrolment=enrolment, **serializer.validated_data
        )
        return Response(ProblemSerializer(report).data, status=status.HTTP_201_CREATED)


class MyEnrolmentEventsApi(APIView):
    @extend_schema(
        operation_id="enrolment_mine_events",
        summary="What happened to your enrolment, who did it and when",
        responses={200: EventSerializer(many=True), **ERROR_RESPONSES, **NOT_FOUND},
    )
    def get(self, request: Request, enrolment_id: int) -> Response:
        enrolment = enrolment_get_for_learner(user=request.user, enrolment_id=enrolment_id)
        return Response(EventSerializer(enrolment.events.select_related("actor"), many=True).data)


class EnrolmentDisputeStartApi(APIView):
    class DisputeInputSerializer(serializers.Serializer):
        reason = serializers.CharField(max_length=500)

    @extend_schema(
        operation_id="enrolment_dispute_start",
        request=DisputeInputSerializer,
        responses={200: EnrolmentOutputSerializer, **TRANSITION_ERRORS},
        summary="Dispute a recorded start: its payment waits for the funder's decision",
    )
    def post(self, request: Request, enrolment_id: int) -> Response:
        enrolment = enrolment_get_for_learner(user=request.user, enrolment_id=enrolment_id)
        serializer = self.DisputeInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return enrolment_response(
            enrolment_dispute_start(
                actor=acting_user(request),
                enrolment=enrolment,
                reason=serializer.validated_data["reason"],
            )
        )
