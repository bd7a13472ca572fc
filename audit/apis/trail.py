"""The audit trail of a programme, the latest ledger verification, the sampling seed."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from audit.selectors import latest_ledger_verification, trail_for_member
from core.errors import Forbidden, NotFound
from core.pagination import DefaultCursorPagination
from core.schema import ERROR_RESPONSES, NOT_FOUND
from enrolments.apis.common import acting_user
from enrolments.sampling import sampling_verify
from users.permissions import HasRoleMFA
from wallets.models import FunderMembership
from wallets.selectors import programme_get_for_member


class TrailPagination(DefaultCursorPagination):
    ordering = "-id"


class AuditRecordSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    at = serializers.DateTimeField()
    actor_id = serializers.IntegerField(allow_null=True)
    actor_email = serializers.EmailField(source="actor.email", allow_null=True)
    action = serializers.CharField()
    object_type = serializers.CharField()
    object_id = serializers.CharField()
    before = serializers.JSONField()
    after = serializers.JSONField()
    request_id = serializers.CharField()


class ProgrammeTrailApi(APIView):
    pagination_class = TrailPagination
    permission_classes = [IsAuthenticated, HasRoleMFA]

    @extend_schema(
        operation_id="audit_programme_trail",
        summary="A programme's audit trail, newest first (officers and auditors)",
        description=(
            "Every recorded action that changed the programme's money, state or permissions: "
            "status, rules, funding, grants, provider approvals, its enrolments' transitions "
            "and milestones, outcome decisions and flag clearing. Who acted, when, what, the "
            "fields before and after, and the request id. Another funder's programme is a 404."
        ),
        responses={200: AuditRecordSerializer(many=True), **ERROR_RESPONSES, **NOT_FOUND},
    )
    def get(self, request: Request, programme_id: int) -> Response:
        records = trail_for_member(user=request.user, programme_id=programme_id)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(records, request, view=self)
        return paginator.get_paginated_response(AuditRecordSerializer(page, many=True).data)


class LedgerVerificationSerializer(serializers.Serializer):
    ok = serializers.BooleanField()
    trigger = serializers.CharField()
    started_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField()
    accounts_checked = serializers.IntegerField()
    entries_checked = serializers.IntegerField()
    transactions_checked = serializers.IntegerField()
    breaks = serializers.IntegerField()
    first_break = serializers.CharField()


class LedgerVerificationApi(APIView):
    permission_classes = [IsAuthenticated, HasRoleMFA]

    @extend_schema(
        operation_id="audit_ledger_verification",
        summary="The latest ledger verification and when it ran (funders' officers, auditors)",
        description=(
            "The result of the latest run of the ledger verification (daily, and each "
            "`manage.py ledger_verify`): hash chains, cached balances and balanced "
            "transactions across the whole ledger. 404 when it has never run, or for anyone "
            "who is not a member of a funder."
        ),
        responses={200: LedgerVerificationSerializer, **ERROR_RESPONSES, **NOT_FOUND},
    )
    def get(self, request: Request) -> Response:
        if not FunderMembership.objects.filter(user=acting_user(request)).exists():
            raise NotFound("Not found.")
        run = latest_ledger_verification()
        if run is None:
            raise NotFound("The ledger has not been verified yet.")
        return Response(LedgerVerificationSerializer(run).data)


class MismatchSerializer(serializers.Serializer):
    enrolment_id = serializers.IntegerField()
    problem = serializers.CharField()


class SamplingAuditSerializer(serializers.Serializer):
    programme_id = serializers.IntegerField()
    seed = serializers.CharField()
    algorithm = serializers.CharField()
    decisions = serializers.IntegerField()
    sampled = serializers.IntegerField()
    mismatches = MismatchSerializer(many=True)


class ProgrammeSamplingApi(APIView):
    permission_classes = [IsAuthenticated, HasRoleMFA]

    @extend_schema(
        operation_id="audit_programme_sampling",
        summary="The programme's sampling seed and every decision re-derived (auditors)",
        description=(
            "For the funder's auditors only (officers 403): the programme's secret sampling "
            "seed, how decisions are derived from it, and the result of re-deriving every "
            "recorded decision (any mismatch listed). With the seed an auditor can recompute "
            "each decision independently (docs/audit-controls.md). Another funder's programme "
            "is a 404."
        ),
        responses={200: SamplingAuditSerializer, **ERROR_RESPONSES, **NOT_FOUND},
    )
    def get(self, request: Request, programme_id: int) -> Response:
        programme = programme_get_for_member(user=request.user, programme_id=programme_id)
        if not FunderMembership.objects.filter(
            user=acting_user(request),
            funder_id=programme.funder_id,
            role=FunderMembership.Role.AUDITOR,
        ).exists():
            raise Forbidden("Only the funder's auditors can read the sampling seed.")
        result = sampling_verify(programme_id=programme.pk, seed=programme.sampling_seed)
        return Response(
            SamplingAuditSerializer(
                {
                    "programme_id": programme.pk,
                    "seed": programme.sampling_seed,
                    "algorithm": (
                        'HMAC-SHA256(key=seed, message="enrolment:<id>"); the first 8 bytes, '
                        "big-endian, divided by 2^64; sampled when below the effective rate"
                    ),
                    "decisions": result.checked,
                    "sampled": result.sampled,
                    "mismatches": [
                        {"enrolment_id": m.enrolment_id, "problem": m.problem}
                        for m in result.mismatches
                    ],
                }
            ).data
        )
