"""Bulk grant imports (region scale): upload or rule, progress, cancel, resume (officers)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.errors import NotFound
from core.idempotency import idempotent
from core.schema import ERROR_RESPONSES, IDEMPOTENCY_HEADER, NOT_FOUND
from core.throttling import MONEY_THROTTLES
from users.permissions import HasRoleMFA
from wallets.apis.programmes import MONEY_ERRORS, acting_officer
from wallets.models import GrantImport
from wallets.selectors import programme_get_for_member
from wallets.services.imports import (
    grant_import_cancel,
    grant_import_create,
    grant_import_from_rule,
    grant_import_progress,
    grant_import_resume,
)


class GrantImportProgressSerializer(serializers.Serializer):
    rows_done = serializers.IntegerField(help_text="Rows posted (or, once cancelled, reversed).")
    rows_total = serializers.IntegerField()
    rows_per_second = serializers.FloatField()
    seconds_left = serializers.FloatField(allow_null=True, help_text="Null when not posting.")


class GrantImportOutputSerializer(serializers.ModelSerializer):
    programme_id = serializers.IntegerField(read_only=True)
    progress = serializers.SerializerMethodField()

    class Meta:
        model = GrantImport
        fields = (
            "id",
            "programme_id",
            "source",
            "filename",
            "region",
            "status",
            "status_reason",
            "total_rows",
            "valid_rows",
            "error_count",
            "errors",
            "total_amount",
            "rows_done",
            "skipped_rows",
            "posted_amount",
            "rows_reversed",
            "reversed_amount",
            "progress",
            "created_at",
            "finished_at",
        )

    @extend_schema_field(GrantImportProgressSerializer)
    def get_progress(self, grant_import: GrantImport) -> dict[str, Any]:
        progress = grant_import_progress(grant_import)
        return {
            "rows_done": progress.rows_done,
            "rows_total": progress.rows_total,
            "rows_per_second": round(progress.rate, 1),
            "seconds_left": None
            if progress.seconds_left is None
            else round(progress.seconds_left, 1),
        }


def grant_import_get_for_member(*, user: Any, import_id: int, write: bool = False) -> GrantImport:
    """An import of a programme of one of the user's funders; 404 for anyone else."""
    grant_import = (
        GrantImport.objects.filter(programme__funder__memberships__user=user, pk=import_id)
        .select_related("programme")
        .distinct()
        .first()
    )
    if grant_import is None:
        raise NotFound("Grant import not found.")
    if write:
        from wallets.selectors import check_funder_officer

        check_funder_officer(user=user, funder_id=grant_import.programme.funder_id)
    return grant_import


class ProgrammeGrantImportApi(APIView):
    permission_classes = [IsAuthenticated, HasRoleMFA]
    throttle_classes = MONEY_THROTTLES
    throttle_scope = "money"
    parser_classes = [JSONParser, MultiPartParser]

    class InputSerializer(serializers.Serializer):
        file = serializers.FileField(
            required=False, help_text="The CSV (`email`, optional `amount` in pence), multipart."
        )
        region = serializers.CharField(
            required=False,
            max_length=64,
            help_text="Or a rule: every eligible applicant of this region not yet granted.",
        )
        grant_valid_rows = serializers.BooleanField(
            default=False, help_text="Grant the valid rows of a file even if others are bad."
        )

        def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
            if bool(attrs.get("file")) == bool(attrs.get("region")):
                raise serializers.ValidationError("Send either a CSV `file` or a `region`.")
            return attrs

    @extend_schema(
        operation_id="funder_programme_grant_import_create",
        parameters=[IDEMPOTENCY_HEADER],
        request=InputSerializer,
        responses={202: GrantImportOutputSerializer, **MONEY_ERRORS},
        summary="Import grants at region scale from a CSV or a region rule (officers)",
        description=(
            "The whole file is validated before any money moves; a file with errors is "
            "`invalid` (its first errors listed by line) unless `grant_valid_rows`. Posting "
            "then runs in the background in batches; poll the import for progress."
        ),
    )
    @idempotent
    def post(self, request: Request, programme_id: int) -> Response:
        programme = programme_get_for_member(
            user=request.user, programme_id=programme_id, write=True
        )
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if data.get("file"):
            upload = data["file"]
            grant_import = grant_import_create(
                actor=acting_officer(request),
                programme=programme,
                stream=upload.file,
                filename=upload.name or "",
                grant_valid_rows=data["grant_valid_rows"],
            )
        else:
            grant_import = grant_import_from_rule(
                actor=acting_officer(request), programme=programme, region=data["region"]
            )
        grant_import.refresh_from_db()
        return Response(
            GrantImportOutputSerializer(grant_import).data, status=status.HTTP_202_ACCEPTED
        )


class GrantImportDetailApi(APIView):
    permission_classes = [IsAuthenticated, HasRoleMFA]

    @extend_schema(
        operation_id="funder_grant_import_detail",
        responses={200: GrantImportOutputSerializer, **ERROR_RESPONSES, **NOT_FOUND},
        summary="A grant import and its progress: rows done, total, rate, time left",
    )
    def get(self, request: Request, import_id: int) -> Response:
        grant_import = grant_import_get_for_member(user=request.user, import_id=import_id)
        return Response(GrantImportOutputSerializer(grant_import).data)


class GrantImportCancelApi(APIView):
    permission_classes = [IsAuthenticated, HasRoleMFA]
    throttle_classes = MONEY_THROTTLES
    throttle_scope = "money"

    @extend_schema(
        operation_id="funder_grant_import_cancel",
        request=None,
        parameters=[IDEMPOTENCY_HEADER],
        responses={202: GrantImportOutputSerializer, **MONEY_ERRORS},
        summary="Cancel a grant import: every grant it posted is reversed (officers)",
    )
    @idempotent
    def post(self, request: Request, import_id: int) -> Response:
        grant_import = grant_import_get_for_member(
            user=request.user, import_id=import_id, write=True
        )
        grant_import = grant_import_cancel(actor=acting_officer(request), grant_import=grant_import)
        grant_import.refresh_from_db()
        return Response(
            GrantImportOutputSerializer(grant_import).data, status=status.HTTP_202_ACCEPTED
        )


class GrantImportResumeApi(APIView):
    permission_classes = [IsAuthenticated, HasRoleMFA]
    throttle_classes = MONEY_THROTTLES
    throttle_scope = "money"

    @extend_schema(
        operation_id="funder_grant_import_resume",
        request=None,
        parameters=[IDEMPOTENCY_HEADER],
        responses={202: GrantImportOutputSerializer, **MONEY_ERRORS},
        summary="Resume a stopped grant import from its checkpoint (officers)",
    )
    @idempotent
    def post(self, request: Request, import_id: int) -> Response:
        grant_import = grant_import_get_for_member(
            user=request.user, import_id=import_id, write=True
        )
        grant_import = grant_import_resume(actor=acting_officer(request), grant_import=grant_import)
        grant_import.refresh_from_db()
        return Response(
            GrantImportOutputSerializer(grant_import).data, status=status.HTTP_202_ACCEPTED
        )
