"""Shared pieces of the enrolment APIs: output serializers, error docs, helpers."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.pagination import DefaultCursorPagination
from core.schema import ERROR_RESPONSES, NOT_FOUND, error
from enrolments.models import Enrolment
from users.models import User

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
    offered_at = serializers.DateTimeField(allow_null=True)
    accepted_at = serializers.DateTimeField(allow_null=True)
    payment_due_at = serializers.DateTimeField(
        allow_null=True,
        help_text="While `payment_pending`: pay the co-payment by card before this (see "
        "`GET /api/v1/enrolments/{id}/checkout`), or the seat and held funds are released.",
    )
    first_session = serializers.DateField(source="cohort.first_session", allow_null=True)
    last_session = serializers.DateField(source="cohort.last_session", allow_null=True)
    provider_recorded_start_at = serializers.DateTimeField(allow_null=True)
    learner_confirmed_start_at = serializers.DateTimeField(
        allow_null=True, help_text="When the start was confirmed (by the learner or an officer)."
    )
    start_disputed_at = serializers.DateTimeField(allow_null=True)
    start_dispute_reason = serializers.CharField()
    attendance_present = serializers.IntegerField(allow_null=True)
    attendance_planned = serializers.IntegerField(
        allow_null=True,
        help_text="Planned sessions held so far; one left unrecorded is an absence after "
        "the grace period.",
    )
    attendance_percent = serializers.IntegerField(
        allow_null=True, help_text="For display (rounded down); payments use the counts."
    )
    outcome = serializers.CharField()
    outcome_date = serializers.DateField(allow_null=True)
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


class EnrolmentPagination(DefaultCursorPagination):
    ordering = "-id"


def acting_user(request: Request) -> User:
    return request.user  # type: ignore[return-value]


def enrolment_response(enrolment: Enrolment, code: int = status.HTTP_200_OK) -> Response:
    enrolment = Enrolment.objects.select_related("cohort__course__provider", "learner").get(
        pk=enrolment.pk
    )
    return Response(EnrolmentOutputSerializer(enrolment).data, status=code)


def enrolment_page(view: APIView, request: Request, queryset: Any) -> Response:
    paginator = EnrolmentPagination()
    page = paginator.paginate_queryset(queryset, request, view=view)
    return paginator.get_paginated_response(EnrolmentOutputSerializer(page, many=True).data)


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
