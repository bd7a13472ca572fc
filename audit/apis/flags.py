"""Anomaly flags for a programme's officers (read, clear with a note) and auditors (read)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from audit.models import AnomalyFlag
from audit.selectors import flag_get_for_member, flags_for_member
from audit.services import NOTE_MAX, flag_clear
from core.pagination import DefaultCursorPagination
from core.schema import ERROR_RESPONSES, NOT_FOUND, error
from enrolments.apis.common import acting_user
from users.permissions import HasRoleMFA


class FlagPagination(DefaultCursorPagination):
    ordering = "-id"


class FlagOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    programme_id = serializers.IntegerField()
    provider_id = serializers.IntegerField(allow_null=True)
    provider_name = serializers.CharField(source="provider.display_name", allow_null=True)
    enrolment_id = serializers.IntegerField(allow_null=True)
    rule = serializers.ChoiceField(choices=AnomalyFlag.Rule.choices)
    rule_label = serializers.CharField(source="get_rule_display")
    subject = serializers.CharField()
    reason = serializers.CharField()
    figures = serializers.JSONField()
    status = serializers.ChoiceField(choices=AnomalyFlag.Status.choices)
    first_seen_at = serializers.DateTimeField()
    last_seen_at = serializers.DateTimeField()
    cleared_by_id = serializers.IntegerField(allow_null=True)
    cleared_at = serializers.DateTimeField(allow_null=True)
    clear_note = serializers.CharField()


class ProgrammeFlagListApi(APIView):
    pagination_class = FlagPagination
    permission_classes = [IsAuthenticated, HasRoleMFA]

    class FlagFilterSerializer(serializers.Serializer):
        status = serializers.ChoiceField(choices=AnomalyFlag.Status.choices, required=False)
        rule = serializers.ChoiceField(choices=AnomalyFlag.Rule.choices, required=False)

    @extend_schema(
        operation_id="audit_programme_flags",
        summary="A programme's anomaly flags, newest first (officers and auditors)",
        description=(
            "What the daily anomaly rules found for the programme, open and cleared, each with "
            "the reason and its figures (docs/audit-controls.md lists the rules and their "
            "thresholds). Filter by `status` and `rule`. Another funder's programme is a 404."
        ),
        parameters=[FlagFilterSerializer],
        responses={200: FlagOutputSerializer(many=True), **ERROR_RESPONSES, **NOT_FOUND},
    )
    def get(self, request: Request, programme_id: int) -> Response:
        filters = self.FlagFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        flags = flags_for_member(user=request.user, programme_id=programme_id)
        if "status" in filters.validated_data:
            flags = flags.filter(status=filters.validated_data["status"])
        if "rule" in filters.validated_data:
            flags = flags.filter(rule=filters.validated_data["rule"])
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(flags, request, view=self)
        return paginator.get_paginated_response(FlagOutputSerializer(page, many=True).data)


class FlagClearApi(APIView):
    permission_classes = [IsAuthenticated, HasRoleMFA]

    class ClearInputSerializer(serializers.Serializer):
        note = serializers.CharField(max_length=NOTE_MAX)

    @extend_schema(
        operation_id="audit_flag_clear",
        summary="Clear an anomaly flag with a note (officers)",
        description=(
            "The officer says what they checked and why the flag needs no further action. The "
            "flag is kept, with who cleared it, when and the note; it is never deleted. The "
            "same facts do not raise it again; new facts raise a new flag. Auditors get 403, "
            "another funder's flag 404, a flag already cleared 409 `flag_already_cleared`."
        ),
        request=ClearInputSerializer,
        responses={
            200: FlagOutputSerializer,
            **ERROR_RESPONSES,
            **NOT_FOUND,
            409: error("Already cleared (`flag_already_cleared`)."),
        },
    )
    def post(self, request: Request, flag_id: int) -> Response:
        flag = flag_get_for_member(user=request.user, flag_id=flag_id)
        serializer = self.ClearInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        cleared = flag_clear(
            actor=acting_user(request), flag=flag, note=serializer.validated_data["note"]
        )
        return Response(FlagOutputSerializer(cleared).data)
