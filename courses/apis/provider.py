"""Providers manage their own courses and cohorts; another provider's is a 404."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.fields import AmountField, NameField
from core.pagination import DefaultCursorPagination
from core.reference import Region
from core.schema import ERROR_RESPONSES, NOT_FOUND, error
from courses.models import Cohort, Course
from courses.selectors import cohort_get_for_member, course_get_for_member, course_list_for_member
from courses.services import cohort_create, cohort_update, course_create, course_update
from courses.timetable import cohort_set_timetable
from providers.selectors import provider_get_for_member
from users.models import User
from users.permissions import HasRoleMFA

RULES = {422: error("Refused by a rule (`capacity_below_seats_taken`, `cohort_not_editable`).")}


class CourseInputSerializer(serializers.Serializer):
    title = NameField(max_length=200)
    summary = serializers.CharField(max_length=500)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    skills = serializers.ListField(
        child=serializers.SlugField(max_length=64), max_length=10, default=list
    )
    level = serializers.IntegerField(min_value=3, max_value=7)
    mode = serializers.ChoiceField(choices=Course.Mode.choices)
    region = serializers.ChoiceField(choices=Region.choices)
    guided_learning_hours = serializers.IntegerField(min_value=1, max_value=5000)
    length_weeks = serializers.IntegerField(min_value=1, max_value=156)
    price = AmountField(min_value=0, max_value=10**9, help_text="Minor units (pence).")
    entry_requirements = serializers.CharField(required=False, allow_blank=True, default="")
    expected_outcomes = serializers.CharField(required=False, allow_blank=True, default="")
    status = serializers.ChoiceField(choices=Course.Status.choices, default=Course.Status.DRAFT)


class CourseOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    provider_id = serializers.IntegerField()
    title = serializers.CharField()
    summary = serializers.CharField()
    description = serializers.CharField()
    skills = serializers.ListField(child=serializers.CharField())
    level = serializers.IntegerField()
    mode = serializers.CharField()
    region = serializers.CharField()
    guided_learning_hours = serializers.IntegerField()
    length_weeks = serializers.IntegerField()
    price = serializers.IntegerField()
    currency = serializers.CharField()
    entry_requirements = serializers.CharField()
    expected_outcomes = serializers.CharField()
    status = serializers.CharField()
    updated_at = serializers.DateTimeField()


WEEKDAYS_HELP = "Days of the week, 0 (Monday) to 6 (Sunday)."


class CohortInputSerializer(serializers.Serializer):
    start_date = serializers.DateField()
    end_date = serializers.DateField()
    application_deadline = serializers.DateField()
    capacity = serializers.IntegerField(min_value=1, max_value=10_000)
    online = serializers.BooleanField(default=False)
    location = NameField(max_length=200, required=False, allow_blank=True, default="")


class CohortCreateInputSerializer(CohortInputSerializer):
    weekdays = serializers.ListField(
        child=serializers.IntegerField(min_value=0, max_value=6),
        required=False,
        max_length=7,
        help_text=WEEKDAYS_HELP + " Default: Monday to Friday, between start and end.",
    )
    session_dates = serializers.ListField(
        child=serializers.DateField(),
        required=False,
        max_length=1100,
        help_text="Or an explicit list of session dates within the cohort's dates.",
    )


class TimetableSerializer(serializers.Serializer):
    weekdays = serializers.ListField(
        child=serializers.IntegerField(), help_text=WEEKDAYS_HELP + " Empty for a list of dates."
    )
    session_dates = serializers.ListField(child=serializers.DateField())
    sessions_held = serializers.SerializerMethodField()
    first_session = serializers.DateField(allow_null=True)
    last_session = serializers.DateField(allow_null=True)

    def get_sessions_held(self, cohort: Cohort) -> int:
        today = timezone.localdate()
        return sum(1 for day in cohort.session_dates if day <= today)


class CohortOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    course_id = serializers.IntegerField()
    start_date = serializers.DateField()
    end_date = serializers.DateField()
    application_deadline = serializers.DateField()
    capacity = serializers.IntegerField()
    seats_taken = serializers.IntegerField()
    seats_left = serializers.IntegerField()
    online = serializers.BooleanField()
    location = serializers.CharField()
    status = serializers.CharField()
    timetable = TimetableSerializer(source="*")


def _user(request: Request) -> User:
    return request.user  # type: ignore[return-value]


class ProviderCoursePagination(DefaultCursorPagination):
    ordering = "-id"


class ProviderCourseListCreateApi(APIView):
    pagination_class = ProviderCoursePagination
    permission_classes = [IsAuthenticated, HasRoleMFA]

    @extend_schema(
        operation_id="provider_courses",
        summary="Your provider's courses",
        responses={200: CourseOutputSerializer(many=True), **ERROR_RESPONSES, **NOT_FOUND},
    )
    def get(self, request: Request, provider_id: int) -> Response:
        provider_get_for_member(user=request.user, provider_id=provider_id)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(
            course_list_for_member(user=request.user, provider_id=provider_id), request, view=self
        )
        return paginator.get_paginated_response(CourseOutputSerializer(page, many=True).data)

    @extend_schema(
        operation_id="provider_course_create",
        request=CourseInputSerializer,
        responses={201: CourseOutputSerializer, **ERROR_RESPONSES, **NOT_FOUND},
        summary="Add a course",
    )
    def post(self, request: Request, provider_id: int) -> Response:
        provider = provider_get_for_member(user=request.user, provider_id=provider_id)
        serializer = CourseInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        course = course_create(actor=_user(request), provider=provider, **serializer.validated_data)
        return Response(CourseOutputSerializer(course).data, status=status.HTTP_201_CREATED)


class ProviderCourseDetailApi(APIView):
    permission_classes = [IsAuthenticated, HasRoleMFA]

    @extend_schema(
        operation_id="provider_course",
        summary="One of your courses",
        responses={200: CourseOutputSerializer, **ERROR_RESPONSES, **NOT_FOUND},
    )
    def get(self, request: Request, course_id: int) -> Response:
        return Response(
            CourseOutputSerializer(
                course_get_for_member(user=request.user, course_id=course_id)
            ).data
        )

    @extend_schema(
        operation_id="provider_course_update",
        request=CourseInputSerializer(partial=True),
        responses={200: CourseOutputSerializer, **ERROR_RESPONSES, **NOT_FOUND},
        summary="Change a course; publish or archive it with `status`",
    )
    def patch(self, request: Request, course_id: int) -> Response:
        course = course_get_for_member(user=request.user, course_id=course_id)
        serializer = CourseInputSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        fields = {k: v for k, v in serializer.validated_data.items() if k in request.data}
        return Response(
            CourseOutputSerializer(
                course_update(actor=_user(request), course=course, **fields)
            ).data
        )


class ProviderCohortListCreateApi(APIView):
    permission_classes = [IsAuthenticated, HasRoleMFA]

    @extend_schema(
        operation_id="provider_cohorts",
        summary="A course's cohorts",
        responses={200: CohortOutputSerializer(many=True), **ERROR_RESPONSES, **NOT_FOUND},
    )
    def get(self, request: Request, course_id: int) -> Response:
        course = course_get_for_member(user=request.user, course_id=course_id)
        return Response(
            CohortOutputSerializer(course.cohorts.order_by("start_date", "pk"), many=True).data
        )

    @extend_schema(
        operation_id="provider_cohort_create",
        request=CohortCreateInputSerializer,
        responses={201: CohortOutputSerializer, **ERROR_RESPONSES, **NOT_FOUND},
        summary="Add a cohort",
    )
    def post(self, request: Request, course_id: int) -> Response:
        course = course_get_for_member(user=request.user, course_id=course_id)
        serializer = CohortCreateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        cohort = cohort_create(actor=_user(request), course=course, **serializer.validated_data)
        return Response(CohortOutputSerializer(cohort).data, status=status.HTTP_201_CREATED)


class ProviderCohortDetailApi(APIView):
    permission_classes = [IsAuthenticated, HasRoleMFA]

    @extend_schema(
        operation_id="provider_cohort",
        summary="One of your cohorts: dates, capacity, seats, timetable",
        responses={200: CohortOutputSerializer, **ERROR_RESPONSES, **NOT_FOUND},
    )
    def get(self, request: Request, cohort_id: int) -> Response:
        return Response(
            CohortOutputSerializer(
                cohort_get_for_member(user=request.user, cohort_id=cohort_id)
            ).data
        )

    @extend_schema(
        operation_id="provider_cohort_update",
        request=CohortInputSerializer(partial=True),
        responses={200: CohortOutputSerializer, **ERROR_RESPONSES, **NOT_FOUND, **RULES},
        summary="Change dates, place or capacity (never below the seats taken)",
    )
    def patch(self, request: Request, cohort_id: int) -> Response:
        cohort: Cohort = cohort_get_for_member(user=request.user, cohort_id=cohort_id)
        serializer = CohortInputSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        fields = {k: v for k, v in serializer.validated_data.items() if k in request.data}
        return Response(
            CohortOutputSerializer(
                cohort_update(actor=_user(request), cohort=cohort, **fields)
            ).data
        )


class ProviderCohortTimetableApi(APIView):
    permission_classes = [IsAuthenticated, HasRoleMFA]

    class TimetableInputSerializer(serializers.Serializer):
        weekdays = serializers.ListField(
            child=serializers.IntegerField(min_value=0, max_value=6),
            required=False,
            max_length=7,
            help_text=WEEKDAYS_HELP,
        )
        dates = serializers.ListField(
            child=serializers.DateField(), required=False, max_length=1100
        )

    @extend_schema(
        operation_id="provider_cohort_timetable",
        responses={200: TimetableSerializer, **ERROR_RESPONSES, **NOT_FOUND},
        summary="A cohort's timetable: its planned sessions",
    )
    def get(self, request: Request, cohort_id: int) -> Response:
        cohort = cohort_get_for_member(user=request.user, cohort_id=cohort_id)
        return Response(TimetableSerializer(cohort).data)

    @extend_schema(
        operation_id="provider_cohort_timetable_set",
        request=TimetableInputSerializer,
        responses={200: TimetableSerializer, **ERROR_RESPONSES, **NOT_FOUND},
        summary="Set the sessions still to come: a weekly pattern or a list of dates",
        description=(
            "Send `weekdays` (0 Monday … 6 Sunday) or `dates`. Sessions already held (up to "
            "and including today) never change; the new ones must fall between tomorrow (or "
            "the start date) and the end date. Refused with `invalid_timetable`, naming the "
            "dates that cannot be planned."
        ),
    )
    def put(self, request: Request, cohort_id: int) -> Response:
        cohort = cohort_get_for_member(user=request.user, cohort_id=cohort_id)
        serializer = self.TimetableInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        cohort = cohort_set_timetable(
            actor=_user(request),
            cohort=cohort,
            weekdays=serializer.validated_data.get("weekdays"),
            dates=serializer.validated_data.get("dates"),
        )
        return Response(TimetableSerializer(cohort).data)
