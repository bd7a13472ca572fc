"""Enrolment APIs for learners, providers and funders, each scoped to the caller.

One view per transition. Money-moving transitions honour `Idempotency-Key`.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.pagination import CursorPagination
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from config.idempotency import idempotent
from config.schema import ERROR_RESPONSES, IDEMPOTENCY_HEADER, NOT_FOUND, error
from courses.models import Enrolment
from courses.selectors import (
    cohort_get_for_member,
    cohort_get_open,
    enrolment_get_for_funder_member,
    enrolment_get_for_learner,
    enrolment_get_for_provider_member,
    enrolments_for_funder_member,
    enrolments_for_learner,
    enrolments_for_provider_member,
)
from courses.services import (
    attendance_record,
    cohort_cancel,
    enrolment_accept,
    enrolment_apply,
    enrolment_complete,
    enrolment_confirm_start,
    enrolment_decline,
    enrolment_offer,
    enrolment_record_outcome,
    enrolment_record_start,
    enrolment_report_problem,
    enrolment_withdraw,
    outcome_verify,
)
from users.models import User
from users.permissions import HasRoleMFA

TRANSITION_ERRORS = {
    **ERROR_RESPONSES,
    **NOT_FOUND,
    409: error("Not allowed from the current state (`invalid_transition`, `already_enrolled`)."),
    422: error(
        "Refused by a rule (`insufficient_funds`, `provider_not_active`, `start_not_confirmed`)."
    ),
}


class EnrolmentOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    learner_email = serializers.EmailField(source="learner.email")
    cohort_id = serializers.IntegerField()
    course_id = serializers.IntegerField(source="cohort.course_id")
    course_title = serializers.CharField(source="cohort.course.title")
    provider_name = serializers.CharField(source="cohort.course.provider.display_name")
    start_date = serializers.DateField(source="cohort.start_date")
    statement = serializers.CharField()
    price = serializers.IntegerField()
    currency = serializers.CharField()
    wallet_part = serializers.IntegerField()
    co_payment = serializers.IntegerField()
    deferred_part = serializers.IntegerField()
    programme_id = serializers.IntegerField(allow_null=True)
    provider_recorded_start_at = serializers.DateTimeField(allow_null=True)
    learner_confirmed_start_at = serializers.DateTimeField(allow_null=True)
    attendance_percent = serializers.IntegerField(allow_null=True)
    outcome = serializers.CharField()
    outcome_verification = serializers.CharField()
    created_at = serializers.DateTimeField()


class EventSerializer(serializers.Serializer):
    action = serializers.CharField()
    from_status = serializers.CharField()
    to_status = serializers.CharField()
    reason = serializers.CharField()
    amount = serializers.IntegerField(allow_null=True)
    actor_email = serializers.EmailField(source="actor.email", allow_null=True, default=None)
    created_at = serializers.DateTimeField()


class ProblemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    description = serializers.CharField()
    created_at = serializers.DateTimeField()


class EnrolmentPagination(CursorPagination):
    ordering = "-id"


def _user(request: Request) -> User:
    return request.user  # type: ignore[return-value]


def _ok(enrolment: Enrolment, code: int = status.HTTP_200_OK) -> Response:
    enrolment = Enrolment.objects.select_related("cohort__course__provider", "learner").get(
        pk=enrolment.pk
    )
    return Response(EnrolmentOutputSerializer(enrolment).data, status=code)


def _page(view: APIView, request: Request, queryset: Any) -> Response:
    paginator = EnrolmentPagination()
    page = paginator.paginate_queryset(queryset, request, view=view)
    return paginator.get_paginated_response(EnrolmentOutputSerializer(page, many=True).data)


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


# --- Learner -----------------------------------------------------------------------------------


class CohortApplyApi(APIView):
    class ApplyInputSerializer(serializers.Serializer):
        statement = serializers.CharField(
            max_length=2000, required=False, allow_blank=True, default=""
        )

    @extend_schema(
        operation_id="cohort_apply",
        request=ApplyInputSerializer,
        responses={201: EnrolmentOutputSerializer, **TRANSITION_ERRORS},
    )
    def post(self, request: Request, cohort_id: int) -> Response:
        cohort = cohort_get_open(cohort_id=cohort_id)
        serializer = self.ApplyInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return _ok(
            enrolment_apply(actor=_user(request), cohort=cohort, **serializer.validated_data),
            status.HTTP_201_CREATED,
        )


class MyEnrolmentListApi(APIView):
    @extend_schema(
        operation_id="enrolments_mine",
        responses={200: EnrolmentOutputSerializer(many=True), **ERROR_RESPONSES},
    )
    def get(self, request: Request) -> Response:
        return _page(self, request, enrolments_for_learner(user=request.user))


class MyEnrolmentDetailApi(APIView):
    @extend_schema(
        operation_id="enrolment_mine",
        responses={200: EnrolmentOutputSerializer, **ERROR_RESPONSES, **NOT_FOUND},
    )
    def get(self, request: Request, enrolment_id: int) -> Response:
        return _ok(enrolment_get_for_learner(user=request.user, enrolment_id=enrolment_id))


class EnrolmentAcceptApi(APIView):
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "money"

    class EnrolmentAcceptInputSerializer(serializers.Serializer):
        deferred_part = serializers.IntegerField(
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
        return _ok(
            enrolment_accept(
                actor=_user(request),
                enrolment=enrolment,
                deferred_part=serializer.validated_data["deferred_part"],
                idempotency_key=request.headers.get("Idempotency-Key"),
            )
        )


class LearnerDeclineApi(APIView):
    @extend_schema(
        operation_id="enrolment_learner_decline",
        request=ReasonSerializer,
        responses={200: EnrolmentOutputSerializer, **TRANSITION_ERRORS},
    )
    def post(self, request: Request, enrolment_id: int) -> Response:
        enrolment = enrolment_get_for_learner(user=request.user, enrolment_id=enrolment_id)
        serializer = ReasonSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return _ok(
            enrolment_decline(
                actor=_user(request), enrolment=enrolment, **serializer.validated_data
            )
        )


class EnrolmentWithdrawApi(APIView):
    throttle_classes = [ScopedRateThrottle]
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
        return _ok(
            enrolment_withdraw(
                actor=_user(request), enrolment=enrolment, **serializer.validated_data
            )
        )


class EnrolmentConfirmStartApi(APIView):
    @extend_schema(
        operation_id="enrolment_confirm_start",
        request=None,
        responses={200: EnrolmentOutputSerializer, **TRANSITION_ERRORS},
    )
    def post(self, request: Request, enrolment_id: int) -> Response:
        enrolment = enrolment_get_for_learner(user=request.user, enrolment_id=enrolment_id)
        return _ok(enrolment_confirm_start(actor=_user(request), enrolment=enrolment))


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
            actor=_user(request), enrolment=enrolment, **serializer.validated_data
        )
        return Response(ProblemSerializer(report).data, status=status.HTTP_201_CREATED)


class MyEnrolmentEventsApi(APIView):
    @extend_schema(
        operation_id="enrolment_mine_events",
        responses={200: EventSerializer(many=True), **ERROR_RESPONSES, **NOT_FOUND},
    )
    def get(self, request: Request, enrolment_id: int) -> Response:
        enrolment = enrolment_get_for_learner(user=request.user, enrolment_id=enrolment_id)
        return Response(EventSerializer(enrolment.events.select_related("actor"), many=True).data)


# --- Provider ----------------------------------------------------------------------------------


class ProviderCohortEnrolmentsApi(APIView):
    permission_classes = [IsAuthenticated, HasRoleMFA]

    class StatusFilterSerializer(serializers.Serializer):
        status = serializers.ChoiceField(choices=Enrolment.Status.choices, required=False)

    @extend_schema(
        operation_id="provider_cohort_enrolments",
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
        return _page(self, request, queryset)


class ProviderEnrolmentDetailApi(APIView):
    permission_classes = [IsAuthenticated, HasRoleMFA]

    @extend_schema(
        operation_id="provider_enrolment",
        responses={200: EnrolmentOutputSerializer, **ERROR_RESPONSES, **NOT_FOUND},
    )
    def get(self, request: Request, enrolment_id: int) -> Response:
        return _ok(enrolment_get_for_provider_member(user=request.user, enrolment_id=enrolment_id))


class ProviderEnrolmentEventsApi(APIView):
    permission_classes = [IsAuthenticated, HasRoleMFA]

    @extend_schema(
        operation_id="provider_enrolment_events",
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
        request=None,
        responses={200: EnrolmentOutputSerializer, **TRANSITION_ERRORS},
    )
    def post(self, request: Request, enrolment_id: int) -> Response:
        return _ok(
            enrolment_offer(actor=_user(request), enrolment=self.enrolment(request, enrolment_id))
        )


class ProviderDeclineApi(_ProviderTransitionApi):
    @extend_schema(
        operation_id="provider_enrolment_decline",
        request=ReasonSerializer,
        responses={200: EnrolmentOutputSerializer, **TRANSITION_ERRORS},
    )
    def post(self, request: Request, enrolment_id: int) -> Response:
        enrolment = self.enrolment(request, enrolment_id)
        serializer = ReasonSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return _ok(
            enrolment_decline(
                actor=_user(request), enrolment=enrolment, **serializer.validated_data
            )
        )


class ProviderRecordStartApi(_ProviderTransitionApi):
    @extend_schema(
        operation_id="provider_enrolment_start",
        request=None,
        responses={200: EnrolmentOutputSerializer, **TRANSITION_ERRORS},
        summary="Record the start (the start milestone pays once the learner confirms)",
    )
    def post(self, request: Request, enrolment_id: int) -> Response:
        return _ok(
            enrolment_record_start(
                actor=_user(request), enrolment=self.enrolment(request, enrolment_id)
            )
        )


class ProviderAttendanceApi(_ProviderTransitionApi):
    class SessionSerializer(serializers.Serializer):
        date = serializers.DateField()
        present = serializers.BooleanField()

    class AttendanceInputSerializer(serializers.Serializer):
        sessions = serializers.ListField(min_length=1, max_length=400)

        def validate_sessions(self, value: list[Any]) -> list[tuple[Any, bool]]:
            parsed = []
            for item in value:
                session = ProviderAttendanceApi.SessionSerializer(data=item)
                session.is_valid(raise_exception=True)
                parsed.append((session.validated_data["date"], session.validated_data["present"]))
            return parsed

    @extend_schema(
        operation_id="provider_enrolment_attendance",
        request=AttendanceInputSerializer,
        responses={200: EnrolmentOutputSerializer, **TRANSITION_ERRORS},
    )
    def post(self, request: Request, enrolment_id: int) -> Response:
        enrolment = self.enrolment(request, enrolment_id)
        serializer = self.AttendanceInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return _ok(
            attendance_record(
                actor=_user(request),
                enrolment=enrolment,
                sessions=serializer.validated_data["sessions"],
            )
        )


class ProviderCompleteApi(_ProviderTransitionApi):
    @extend_schema(
        operation_id="provider_enrolment_complete",
        request=None,
        responses={200: EnrolmentOutputSerializer, **TRANSITION_ERRORS},
    )
    def post(self, request: Request, enrolment_id: int) -> Response:
        return _ok(
            enrolment_complete(
                actor=_user(request), enrolment=self.enrolment(request, enrolment_id)
            )
        )


class ProviderOutcomeApi(_ProviderTransitionApi):
    class OutcomeInputSerializer(serializers.Serializer):
        outcome = serializers.ChoiceField(choices=Enrolment.Outcome.choices)
        evidence = serializers.CharField(
            max_length=5000, required=False, allow_blank=True, default=""
        )

    @extend_schema(
        operation_id="provider_enrolment_outcome",
        request=OutcomeInputSerializer,
        responses={200: EnrolmentOutputSerializer, **TRANSITION_ERRORS},
    )
    def post(self, request: Request, enrolment_id: int) -> Response:
        enrolment = self.enrolment(request, enrolment_id)
        serializer = self.OutcomeInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return _ok(
            enrolment_record_outcome(
                actor=_user(request), enrolment=enrolment, **serializer.validated_data
            )
        )


class ProviderCohortCancelApi(APIView):
    permission_classes = [IsAuthenticated, HasRoleMFA]

    class CancelInputSerializer(serializers.Serializer):
        reason = serializers.CharField(max_length=500)

    @extend_schema(
        operation_id="provider_cohort_cancel",
        request=CancelInputSerializer,
        responses={200: None, **TRANSITION_ERRORS},
        summary="Cancel a cohort: everything is returned to learners",
    )
    def post(self, request: Request, cohort_id: int) -> Response:
        cohort = cohort_get_for_member(user=request.user, cohort_id=cohort_id)
        serializer = self.CancelInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        cohort = cohort_cancel(
            actor=_user(request), cohort=cohort, reason=serializer.validated_data["reason"]
        )
        return Response({"id": cohort.pk, "status": cohort.status})


# --- Funder ------------------------------------------------------------------------------------


class FunderEnrolmentListApi(APIView):
    permission_classes = [IsAuthenticated, HasRoleMFA]

    class FunderFilterSerializer(serializers.Serializer):
        programme_id = serializers.IntegerField(required=False)
        status = serializers.ChoiceField(choices=Enrolment.Status.choices, required=False)
        verification = serializers.ChoiceField(
            choices=Enrolment.Verification.choices, required=False
        )

    @extend_schema(
        operation_id="funder_enrolments",
        parameters=[FunderFilterSerializer],
        responses={200: EnrolmentOutputSerializer(many=True), **ERROR_RESPONSES},
    )
    def get(self, request: Request) -> Response:
        filters = self.FunderFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        queryset = enrolments_for_funder_member(user=request.user)
        data = filters.validated_data
        if "programme_id" in data:
            queryset = queryset.filter(programme_id=data["programme_id"])
        if "status" in data:
            queryset = queryset.filter(status=data["status"])
        if "verification" in data:
            queryset = queryset.filter(outcome_verification=data["verification"])
        return _page(self, request, queryset)


class FunderEnrolmentDetailApi(APIView):
    permission_classes = [IsAuthenticated, HasRoleMFA]

    class FunderEnrolmentSerializer(EnrolmentOutputSerializer):
        outcome_evidence = serializers.CharField()
        events = EventSerializer(many=True)
        problems = ProblemSerializer(many=True)

    @extend_schema(
        operation_id="funder_enrolment",
        responses={200: FunderEnrolmentSerializer, **ERROR_RESPONSES, **NOT_FOUND},
    )
    def get(self, request: Request, enrolment_id: int) -> Response:
        enrolment = enrolment_get_for_funder_member(user=request.user, enrolment_id=enrolment_id)
        return Response(self.FunderEnrolmentSerializer(enrolment).data)


class FunderVerifyOutcomeApi(APIView):
    permission_classes = [IsAuthenticated, HasRoleMFA]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "money"

    class VerifyInputSerializer(serializers.Serializer):
        verified = serializers.BooleanField()
        reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")

    @extend_schema(
        operation_id="funder_enrolment_verify_outcome",
        parameters=[IDEMPOTENCY_HEADER],
        request=VerifyInputSerializer,
        responses={200: EnrolmentOutputSerializer, **TRANSITION_ERRORS},
        summary="Verify or reject a sampled outcome (officers); verified pays the outcome share",
    )
    @idempotent
    def post(self, request: Request, enrolment_id: int) -> Response:
        enrolment = enrolment_get_for_funder_member(
            user=request.user, enrolment_id=enrolment_id, officer=True
        )
        serializer = self.VerifyInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return _ok(
            outcome_verify(actor=_user(request), enrolment=enrolment, **serializer.validated_data)
        )
