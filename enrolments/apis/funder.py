"""Funders' enrolment APIs: read their programmes' enrolments, verify sampled outcomes."""

from __future__ import annotations

from collections.abc import Callable

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.idempotency import idempotent
from core.schema import ERROR_RESPONSES, IDEMPOTENCY_HEADER, NOT_FOUND
from core.throttling import MONEY_THROTTLES
from enrolments.apis.common import (
    TRANSITION_ERRORS,
    EnrolmentOutputSerializer,
    EnrolmentPagination,
    EventSerializer,
    ProblemSerializer,
    acting_user,
    enrolment_page,
    enrolment_response,
)
from enrolments.models import Enrolment
from enrolments.selectors import (
    enrolment_get_for_funder_member,
    enrolments_for_funder_member,
)
from enrolments.services import (
    enrolment_cancel_by_funder,
    enrolment_confirm_start_on_evidence,
    outcome_verify,
    start_dispute_decide,
)
from users.permissions import HasRoleMFA

# --- Funder ------------------------------------------------------------------------------------


class FunderEnrolmentListApi(APIView):
    pagination_class = EnrolmentPagination  # what enrolment_page uses; the schema reads it
    permission_classes = [IsAuthenticated, HasRoleMFA]

    class FunderFilterSerializer(serializers.Serializer):
        programme_id = serializers.IntegerField(required=False)
        status = serializers.ChoiceField(choices=Enrolment.Status.choices, required=False)
        verification = serializers.ChoiceField(
            choices=Enrolment.Verification.choices, required=False
        )

    @extend_schema(
        operation_id="funder_enrolments",
        summary="Enrolments your funders' money pays for (filter by programme, state, check)",
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
        return enrolment_page(self, request, queryset)


class FunderEnrolmentDetailApi(APIView):
    permission_classes = [IsAuthenticated, HasRoleMFA]

    class FunderEnrolmentSerializer(EnrolmentOutputSerializer):
        outcome_evidence = serializers.CharField()
        events = EventSerializer(many=True)
        problems = ProblemSerializer(many=True)

    @extend_schema(
        operation_id="funder_enrolment",
        summary="One enrolment with its events and problem reports",
        responses={200: FunderEnrolmentSerializer, **ERROR_RESPONSES, **NOT_FOUND},
    )
    def get(self, request: Request, enrolment_id: int) -> Response:
        enrolment = enrolment_get_for_funder_member(user=request.user, enrolment_id=enrolment_id)
        return Response(self.FunderEnrolmentSerializer(enrolment).data)


class _OfficerDecisionApi(APIView):
    """A funder officer's decision on an enrolment their funder pays for: scoped (404 outside
    it), officers only (403 for auditors and co-funders), idempotent, money-throttled."""

    permission_classes = [IsAuthenticated, HasRoleMFA]
    throttle_classes = MONEY_THROTTLES
    throttle_scope = "money"

    def decide(
        self,
        request: Request,
        enrolment_id: int,
        input_serializer: type[serializers.Serializer],
        service: Callable[..., Enrolment],
    ) -> Response:
        enrolment = enrolment_get_for_funder_member(
            user=request.user, enrolment_id=enrolment_id, officer=True
        )
        serializer = input_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return enrolment_response(
            service(actor=acting_user(request), enrolment=enrolment, **serializer.validated_data)
        )


class FunderVerifyOutcomeApi(_OfficerDecisionApi):
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
        return self.decide(request, enrolment_id, self.VerifyInputSerializer, outcome_verify)


class FunderCancelEnrolmentApi(_OfficerDecisionApi):
    class FunderCancelInputSerializer(serializers.Serializer):
        reason = serializers.CharField(max_length=500)

    @extend_schema(
        operation_id="funder_enrolment_cancel",
        parameters=[IDEMPOTENCY_HEADER],
        request=FunderCancelInputSerializer,
        responses={200: EnrolmentOutputSerializer, **TRANSITION_ERRORS},
        summary="Cancel an enrolment of a suspended or delisted provider (officers)",
        description=(
            "While a provider is frozen its milestones are not paid and the money stays held. "
            "The funder may wait for a reinstatement, or cancel: what the hold still holds "
            "returns to the learner's pots (or the programme, for expired pots) and the seat is "
            "freed. Milestones paid before the suspension stay paid. Refused with "
            "`provider_still_approved` while the provider is approved."
        ),
    )
    @idempotent
    def post(self, request: Request, enrolment_id: int) -> Response:
        return self.decide(
            request, enrolment_id, self.FunderCancelInputSerializer, enrolment_cancel_by_funder
        )


class FunderConfirmStartApi(_OfficerDecisionApi):
    class EvidenceInputSerializer(serializers.Serializer):
        evidence = serializers.CharField(max_length=2000)

    @extend_schema(
        operation_id="funder_enrolment_confirm_start",
        parameters=[IDEMPOTENCY_HEADER],
        request=EvidenceInputSerializer,
        responses={200: EnrolmentOutputSerializer, **TRANSITION_ERRORS},
        summary="Confirm a recorded start on evidence when the learner does not answer (officers)",
    )
    @idempotent
    def post(self, request: Request, enrolment_id: int) -> Response:
        return self.decide(
            request, enrolment_id, self.EvidenceInputSerializer, enrolment_confirm_start_on_evidence
        )


class FunderDecideStartDisputeApi(_OfficerDecisionApi):
    class DecisionInputSerializer(serializers.Serializer):
        upheld = serializers.BooleanField(
            help_text="True: the learner is right, the start did not happen (nothing is paid)."
        )
        reason = serializers.CharField(max_length=500)

    @extend_schema(
        operation_id="funder_enrolment_decide_start_dispute",
        parameters=[IDEMPOTENCY_HEADER],
        request=DecisionInputSerializer,
        responses={200: EnrolmentOutputSerializer, **TRANSITION_ERRORS},
        summary="Decide a learner's dispute of a recorded start (officers)",
    )
    @idempotent
    def post(self, request: Request, enrolment_id: int) -> Response:
        return self.decide(
            request, enrolment_id, self.DecisionInputSerializer, start_dispute_decide
        )
