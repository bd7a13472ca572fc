"""Funder APIs for applications and grants: officers decide and grant (one or by CSV)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.errors import InvalidInput
from core.fields import AmountField
from core.idempotency import idempotent
from core.pagination import DefaultCursorPagination
from core.schema import ERROR_RESPONSES, IDEMPOTENCY_HEADER, NOT_FOUND
from core.throttling import MONEY_THROTTLES
from users.models import User
from users.permissions import HasRoleMFA
from wallets.apis.programmes import MONEY_ERRORS, acting_officer
from wallets.apis.serializers import (
    ApplicationOutputSerializer,
    GrantOutputSerializer,
)
from wallets.models import Grant, ProgrammeApplication
from wallets.selectors import (
    application_get_for_member,
    programme_get_for_member,
)
from wallets.services import (
    application_approve,
    application_refuse,
    grant_create,
    grants_bulk_create,
)


class ApplicationPagination(DefaultCursorPagination):
    ordering = "-id"


class ProgrammeApplicationListApi(APIView):
    pagination_class = ApplicationPagination
    permission_classes = [IsAuthenticated, HasRoleMFA]

    class FilterSerializer(serializers.Serializer):
        status = serializers.ChoiceField(
            choices=ProgrammeApplication.Status.choices, required=False
        )

    @extend_schema(
        operation_id="funder_programme_applications",
        summary="A programme's applications (filter by status)",
        parameters=[FilterSerializer],
        responses={200: ApplicationOutputSerializer(many=True), **ERROR_RESPONSES, **NOT_FOUND},
    )
    def get(self, request: Request, programme_id: int) -> Response:
        programme = programme_get_for_member(user=request.user, programme_id=programme_id)
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        queryset = programme.applications.select_related("programme", "learner")
        if "status" in filters.validated_data:
            queryset = queryset.filter(status=filters.validated_data["status"])
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(queryset, request, view=self)
        return paginator.get_paginated_response(ApplicationOutputSerializer(page, many=True).data)


class ApplicationApproveApi(APIView):
    permission_classes = [IsAuthenticated, HasRoleMFA]
    throttle_classes = MONEY_THROTTLES
    throttle_scope = "money"

    @extend_schema(
        operation_id="funder_application_approve",
        request=None,
        parameters=[IDEMPOTENCY_HEADER],
        responses={201: GrantOutputSerializer, **MONEY_ERRORS},
        summary="Approve an application and grant the allowance (officers)",
    )
    @idempotent
    def post(self, request: Request, application_id: int) -> Response:
        application = application_get_for_member(
            user=request.user, application_id=application_id, write=True
        )
        grant = application_approve(
            actor=acting_officer(request),
            application=application,
            idempotency_key=request.headers.get("Idempotency-Key"),
        )
        grant = Grant.objects.select_related("learner", "programme", "pot").get(pk=grant.pk)
        return Response(GrantOutputSerializer(grant).data, status=status.HTTP_201_CREATED)


class ApplicationRefuseApi(APIView):
    permission_classes = [IsAuthenticated, HasRoleMFA]

    class RefuseInputSerializer(serializers.Serializer):
        reason = serializers.CharField(max_length=500)

    @extend_schema(
        operation_id="funder_application_refuse",
        summary="Refuse an application, with the reason the learner sees (officers)",
        request=RefuseInputSerializer,
        responses={200: ApplicationOutputSerializer, **MONEY_ERRORS},
    )
    def post(self, request: Request, application_id: int) -> Response:
        application = application_get_for_member(
            user=request.user, application_id=application_id, write=True
        )
        serializer = self.RefuseInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        refused = application_refuse(
            actor=acting_officer(request),
            application=application,
            reason=serializer.validated_data["reason"],
        )
        return Response(ApplicationOutputSerializer(refused).data)


class GrantPagination(DefaultCursorPagination):
    ordering = "-id"


class ProgrammeGrantListCreateApi(APIView):
    pagination_class = GrantPagination
    permission_classes = [IsAuthenticated, HasRoleMFA]
    throttle_classes = MONEY_THROTTLES
    throttle_scope = "money"

    class GrantInputSerializer(serializers.Serializer):
        learner_email = serializers.EmailField()
        amount = AmountField(min_value=1, required=False, help_text="Defaults to the allowance.")

    @extend_schema(
        operation_id="funder_programme_grants",
        summary="A programme's grants, newest first",
        responses={200: GrantOutputSerializer(many=True), **ERROR_RESPONSES, **NOT_FOUND},
    )
    def get(self, request: Request, programme_id: int) -> Response:
        programme = programme_get_for_member(user=request.user, programme_id=programme_id)
        queryset = programme.grants.select_related("learner", "programme", "pot")
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(queryset, request, view=self)
        return paginator.get_paginated_response(GrantOutputSerializer(page, many=True).data)

    @extend_schema(
        operation_id="funder_programme_grant_create",
        parameters=[IDEMPOTENCY_HEADER],
        request=GrantInputSerializer,
        responses={201: GrantOutputSerializer, **MONEY_ERRORS},
        summary="Grant one learner (officers)",
    )
    @idempotent
    def post(self, request: Request, programme_id: int) -> Response:
        programme = programme_get_for_member(
            user=request.user, programme_id=programme_id, write=True
        )
        serializer = self.GrantInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        learner = User.objects.filter(
            email__iexact=serializer.validated_data["learner_email"]
        ).first()
        if learner is None:
            raise InvalidInput(
                "No learner has this email.", fields={"learner_email": "Unknown learner."}
            )
        grant = grant_create(
            actor=acting_officer(request),
            programme=programme,
            learner=learner,
            amount=serializer.validated_data.get("amount"),
            idempotency_key=request.headers.get("Idempotency-Key"),
        )
        grant = Grant.objects.select_related("learner", "programme", "pot").get(pk=grant.pk)
        return Response(GrantOutputSerializer(grant).data, status=status.HTTP_201_CREATED)


class ProgrammeBulkGrantApi(APIView):
    permission_classes = [IsAuthenticated, HasRoleMFA]
    throttle_classes = MONEY_THROTTLES
    throttle_scope = "money"

    parser_classes = [JSONParser, MultiPartParser]

    class BulkGrantInputSerializer(serializers.Serializer):
        file = serializers.FileField(required=False, help_text="The CSV file (multipart upload).")
        csv = serializers.CharField(
            required=False, max_length=2_000_000, help_text="Or the CSV as text."
        )
        grant_valid_rows = serializers.BooleanField(
            default=False, help_text="Grant the valid rows even if others are bad."
        )

        def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
            upload = attrs.pop("file", None)
            if upload is not None:
                if upload.size > 2_000_000:
                    raise serializers.ValidationError({"file": "The file is larger than 2 MB."})
                try:
                    attrs["csv"] = upload.read().decode("utf-8-sig")
                except UnicodeDecodeError as exc:
                    raise serializers.ValidationError(
                        {"file": "The file is not UTF-8 text."}
                    ) from exc
            if not attrs.get("csv"):
                raise serializers.ValidationError(
                    "Send the CSV as `file` (multipart) or as `csv` text."
                )
            return attrs

    @extend_schema(
        operation_id="funder_programme_grants_bulk",
        parameters=[IDEMPOTENCY_HEADER],
        request=BulkGrantInputSerializer,
        responses={
            201: inline_serializer(
                "BulkGrantReport",
                {
                    "rows": serializers.IntegerField(),
                    "valid_rows": serializers.IntegerField(),
                    "errors": inline_serializer(
                        "BulkGrantRowError",
                        {
                            "line": serializers.IntegerField(help_text="Line in the file."),
                            "email": serializers.CharField(),
                            "reason": serializers.CharField(),
                        },
                        many=True,
                    ),
                    "granted": serializers.IntegerField(),
                    "granted_total": serializers.IntegerField(),
                    "grant_ids": serializers.ListField(child=serializers.IntegerField()),
                },
            ),
            **MONEY_ERRORS,
        },
        summary="Grant many learners from a CSV (officers). Every row is validated first.",
    )
    @idempotent
    def post(self, request: Request, programme_id: int) -> Response:
        programme = programme_get_for_member(
            user=request.user, programme_id=programme_id, write=True
        )
        serializer = self.BulkGrantInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data: dict[str, Any] = serializer.validated_data
        report = grants_bulk_create(
            actor=acting_officer(request),
            programme=programme,
            csv_text=data["csv"],
            grant_valid_rows=data["grant_valid_rows"],
            idempotency_key=request.headers.get("Idempotency-Key"),
        )
        return Response(report.as_dict(), status=status.HTTP_201_CREATED)
