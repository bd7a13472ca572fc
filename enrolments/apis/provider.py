"""Providers' enrolment APIs: offer, decline, record start, attendance, completion, outcome."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.idempotency import idempotent
from core.schema import ERROR_RESPONSES, IDEMPOTENCY_HEADER, NOT_FOUND
from core.throttling import MONEY_THROTTLES
from courses.selectors import cohort_get_for_member
from enrolments.apis.common import (
    TRANSITION_ERRORS,
    EnrolmentOutputSerializer,
    EnrolmentPagination,
    EventSerializer,
    ReasonSerializer,
    acting_user,
    enrolment_page,
    enrolment_response,
)
from enrolments.models import Enrolment
from enrolments.selectors import enrolment_get_for_provider_member, enrolments_for_provider_member
from enrolments.services import (
    attendance_record,
    cohort_cancel,
    enrolment_complete,
    enrolment_decline,
    enrolment_offer,
    enrolment_record_outcome,
    enrolment_record_start,
)
from users.permissions import HasRoleMFA

# --- Provider ----------------------------------------------------------------------------------


class ProviderCohortEnrolmentsApi(APIView):
    pagination_class = EnrolmentPagination  # what enrolment_page uses; the schema reads it
    permission_classes = [IsAuthenticated, HasRoleMFA]

    class StatusFilterSerializer(serializers.Serializer):
        status = serializers.ChoiceField(choices=Enrolment.Status.choices, required=False)

    @extend_schema(
        operation_id="provider_cohort_enrolments",
        summary="A cohort's enrolments (filter by state)",
        parameters=[StatusFilterSerializer],
        responses={200: EnrolmentOutputSerializer(many=True), **ERROR_RESPONSES, **NOT_FOUND},
    )
    def get(self, request: Request, cohort_id: int) -> Response:
        cohort = cohort_get_for_member(user=request.user, cohort_id=cohort_id)
        filters = self.StatusFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        queryset = enrolments_for_provider_member(user=request.user).filter(cohort=cohort)
        if "status" in filters.validated_data:
            queryset = queryset.filter(status=filters.validated_data["status"])
        return enrolment_page(self, request, queryset)


class ProviderEnrolmentDetailApi(APIView):
    permission_classes = [IsAuthenticated, HasRoleMFA]

    @extend_schema(
        operation_id="provider_enrolment",
        summary="One enrolment on your cohorts",
        responses={200: EnrolmentOutputSerializer, **ERROR_RESPONSES, **NOT_FOUND},
    )
    def get(self, request: Request, enrolment_id: int) -> Response:
        return enrolment_response(
            enrolment_get_for_provider_member(user=request.user, enrolment_id=enrolment_id)
        )


class ProviderEnrolmentEventsApi(APIView):
    permission_classes = [IsAuthenticated, HasRoleMFA]

    @extend_schema(
        operation_id="provider_enrolment_events",
        summary="What happened to an enrolment on your cohort",
        responses={200: EventSerializer(many=True), **ERROR_RESPONSES, **NOT_FOUND},
    )
    def get(self, request: Request, enrolment_id: int) -> Response:
        enrolment = enrolment_get_for_provider_member(user=request.user, enrolment_id=enrolment_id)
        return Response(EventSerializer(enrolment.events.select_related("actor"), many=True).data)


class _ProviderTransitionApi(APIView):
    permission_classes = [IsAuthenticated, HasRoleMFA]

    def enrolment(self, request: Request, enrolment_id: int) -> Enrolment:
        return enrolment_get_for_provider_member(user=request.user, enrolment_id=enrolment_id)


class ProviderOfferApi(_ProviderTransitionApi):
    @extend_schema(
        operation_id="provider_enrolment_offer",
        summary="Offer a place: fixes the price and co-payment the learner sees",
        request=None,
        responses={200: EnrolmentOutputSerializer, **TRANSITION_ERRORS},
    )
    def post(self, request: Request, enrolment_id: int) -> Response:
        return enrolment_response(
            enrolment_offer(
                actor=acting_user(request), enrolment=self.enrolment(request, enrolment_id)
            )
        )


class ProviderDeclineApi(_ProviderTransitionApi):
    @extend_schema(
        operation_id="provider_enrolment_decline",
        summary="Decline an application",
        request=ReasonSerializer,
        responses={200: EnrolmentOutputSerializer, **TRANSITION_ERRORS},
    )
    def post(self, request: Request, enrolment_id: int) -> Response:
        enrolment = self.enrolment(request, enrolment_id)
        serializer = ReasonSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return enrolment_response(
            enrolment_decline(
                actor=acting_user(request), enrolment=enrolment, **serializer.validated_data
            )
        )


class ProviderRecordStartApi(_ProviderTransitionApi):
    throttle_classes = MONEY_THROTTLES
    throttle_scope = "money"

    @extend_schema(
        operation_id="provider_enrolment_start",
        request=None,
        parameters=[IDEMPOTENCY_HEADER],
        responses={200: EnrolmentOutputSerializer, **TRANSITION_ERRORS},
        summary="Record the start (the start milestone pays once the learner confirms)",
    )
    @idempotent
    def post(self, request: Request, enrolment_id: int) -> Response:
        return enrolment_response(
            enrolment_record_start(
                actor=acting_user(request), enrolment=self.enrolment(request, enrolment_id)
            )
        )


class AttendanceSessionSerializer(serializers.Serializer):
    date = serializers.DateField(help_text="A planned session of the cohort, not in the future.")
    present = serializers.BooleanField()


class ProviderAttendanceApi(_ProviderTransitionApi):
    throttle_classes = MONEY_THROTTLES
    throttle_scope = "money"

    class AttendanceInputSerializer(serializers.Serializer):
        sessions: serializers.ListSerializer[Any] = serializers.ListSerializer(
            child=AttendanceSessionSerializer(), min_length=1, max_length=400
        )

    @extend_schema(
        operation_id="provider_enrolment_attendance",
        request=AttendanceInputSerializer,
        parameters=[IDEMPOTENCY_HEADER],
        responses={200: EnrolmentOutputSerializer, **TRANSITION_ERRORS},
        summary="Record attendance per session (it scales the completion payment)",
    )
    @idempotent
    def post(self, request: Request, enrolment_id: int) -> Response:
        enrolment = self.enrolment(request, enrolment_id)
        serializer = self.AttendanceInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        sessions = [(s["date"], s["present"]) for s in serializer.validated_data["sessions"]]
        return enrolment_response(
            attendance_record(
                actor=acting_user(request),
                enrolment=enrolment,
                sessions=sessions,
            )
        )


class ProviderCompleteApi(_ProviderTransitionApi):
    throttle_classes = MONEY_THROTTLES
    throttle_scope = "money"

    @extend_schema(
        operation_id="provider_enrolment_complete",
        request=None,
        parameters=[IDEMPOTENCY_HEADER],
        responses={200: EnrolmentOutputSerializer, **TRANSITION_ERRORS},
        summary="Record completion: pays the completion share, scaled by attendance",
    )
    @idempotent
    def post(self, request: Request, enrolment_id: int) -> Response:
        return enrolment_response(
            enrolment_complete(
                actor=acting_user(request), enrolment=self.enrolment(request, enrolment_id)
            )
        )


class ProviderOutcomeApi(_ProviderTransitionApi):
    throttle_classes = MONEY_THROTTLES
    throttle_scope = "money"

    class OutcomeInputSerializer(serializers.Serializer):
        outcome = serializers.ChoiceField(choices=Enrolment.Outcome.choices)
        outcome_date = serializers.DateField(
            required=False,
            allow_null=True,
            help_text="When the job, promotion or further learning began: between the cohort's "
            "end and the end of the programme's outcome window. Required unless `none`.",
        )
        evidence = serializers.CharField(
            max_length=5000, required=False, allow_blank=True, default=""
        )

    @extend_schema(
        operation_id="provider_enrolment_outcome",
        request=OutcomeInputSerializer,
        parameters=[IDEMPOTENCY_HEADER],
        responses={200: EnrolmentOutputSerializer, **TRANSITION_ERRORS},
        summary="Record the outcome: unsampled ones pay now, sampled ones wait for the funder",
    )
    @idempotent
    def post(self, request: Request, enrolment_id: int) -> Response:
        enrolment = self.enrolment(request, enrolment_id)
        serializer = self.OutcomeInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return enrolment_response(
            enrolment_record_outcome(
                actor=acting_user(request), enrolment=enrolment, **serializer.validated_data
            )
        )


class ProviderCohortCancelApi(APIView):
    permission_classes = [IsAuthenticated, HasRoleMFA]
    throttle_classes = MONEY_THROTTLES
    throttle_scope = "money"

    class CancelInputSerializer(serializers.Serializer):
        reason = serializers.CharField(max_length=500)

    @extend_schema(
        operation_id="provider_cohort_cancel",
        request=CancelInputSerializer,
        parameters=[IDEMPOTENCY_HEADER],
        responses={200: None, **TRANSITION_ERRORS},
        summary="Cancel a cohort: everything is returned to learners",
    )
    @idempotent
    def post(self, request: Request, cohort_id: int) -> Response:
        cohort = cohort_get_for_member(user=request.user, cohort_id=cohort_id)
        serializer = self.CancelInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        cohort = cohort_cancel(
            actor=acting_user(request), cohort=cohort, reason=serializer.validated_data["reason"]
        )
        return Response({"id": cohort.pk, "status": cohort.status})
