"""The public catalogue: search and filter published courses; no login needed."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle, ScopedRateThrottle
from rest_framework.views import APIView

from core.fields import AmountField
from core.models import Skill
from core.pagination import DefaultCursorPagination
from core.reference import Region
from core.schema import ERROR_RESPONSES, NOT_FOUND
from courses.models import Course
from courses.selectors import (
    CatalogueFilters,
    catalogue_course_get,
    catalogue_courses,
    wallet_funds_for_courses,
)
from wallets.models import FundingProgramme

ORDERINGS = {
    "start_date": ("upcoming_start", "id"),
    "-start_date": ("-upcoming_start", "-id"),
    "price": ("price", "id"),
    "-price": ("-price", "-id"),
    "title": ("title", "id"),
    "-title": ("-title", "-id"),
}


class CohortSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    start_date = serializers.DateField()
    end_date = serializers.DateField()
    application_deadline = serializers.DateField()
    status = serializers.CharField()
    seats_left = serializers.IntegerField()
    online = serializers.BooleanField()
    location = serializers.CharField()
    weekdays = serializers.ListField(
        child=serializers.IntegerField(),
        help_text="Weekly pattern, 0 (Monday) to 6 (Sunday); empty for a list of dates.",
    )
    session_dates = serializers.ListField(
        child=serializers.DateField(), help_text="Every planned session."
    )


class CatalogueCourseSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    summary = serializers.CharField()
    provider_id = serializers.IntegerField()
    provider_name = serializers.CharField(source="provider.display_name")
    skills = serializers.ListField(child=serializers.CharField())
    level = serializers.IntegerField()
    mode = serializers.CharField()
    region = serializers.CharField()
    guided_learning_hours = serializers.IntegerField()
    length_weeks = serializers.IntegerField()
    price = serializers.IntegerField(help_text="Minor units (pence).")
    currency = serializers.CharField()
    upcoming_cohorts = CohortSummarySerializer(many=True)
    wallet_funds_available = serializers.SerializerMethodField(
        help_text="Signed-in learners: how much of your wallet can pay for this course."
    )

    def get_wallet_funds_available(self, course: Course) -> int | None:
        funds = self.context.get("wallet_funds")
        return None if funds is None else funds.get(course.pk, 0)


class CatalogueCourseDetailSerializer(CatalogueCourseSerializer):
    description = serializers.CharField()
    entry_requirements = serializers.CharField()
    expected_outcomes = serializers.CharField()


class CatalogueFilterSerializer(serializers.Serializer):
    q = serializers.CharField(
        required=False, max_length=200, help_text="Search title, summary and skills."
    )
    skill = serializers.SlugField(required=False)
    level = serializers.IntegerField(required=False, min_value=3, max_value=7)
    mode = serializers.ChoiceField(required=False, choices=Course.Mode.choices)
    region = serializers.ChoiceField(required=False, choices=Region.choices)
    price_min = AmountField(required=False, allow_string=True)
    price_max = AmountField(required=False, allow_string=True)
    start_from = serializers.DateField(required=False)
    start_to = serializers.DateField(required=False)
    funded_by = serializers.IntegerField(required=False, min_value=1, help_text="A programme id.")
    ordering = serializers.ChoiceField(
        required=False, choices=list(ORDERINGS), default="start_date"
    )

    def validate_skill(self, value: str) -> str:
        if not Skill.objects.filter(slug=value, active=True).exists():
            raise serializers.ValidationError("Unknown skill; see GET /api/v1/skills.")
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if (
            attrs.get("price_min") is not None
            and attrs.get("price_max") is not None
            and attrs["price_min"] > attrs["price_max"]
        ):
            raise serializers.ValidationError({"price_max": "Must be at least price_min."})
        if (
            attrs.get("start_from")
            and attrs.get("start_to")
            and attrs["start_from"] > attrs["start_to"]
        ):
            raise serializers.ValidationError({"start_to": "Must be on or after start_from."})
        if "funded_by" in attrs:
            programme = FundingProgramme.objects.filter(
                pk=attrs["funded_by"], status=FundingProgramme.Status.ACTIVE
            ).first()
            if programme is None:
                raise serializers.ValidationError({"funded_by": "No open programme has this id."})
            attrs["funded_by"] = programme
        return attrs


class CataloguePagination(DefaultCursorPagination):
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100
    ordering = ORDERINGS["start_date"]


class PublicThrottle(ScopedRateThrottle):
    pass


class CatalogueListApi(APIView):
    pagination_class = CataloguePagination
    permission_classes = [AllowAny]
    throttle_classes = [AnonRateThrottle, PublicThrottle]
    throttle_scope = "public"

    @extend_schema(
        operation_id="catalogue_courses",
        parameters=[CatalogueFilterSerializer],
        responses={200: CatalogueCourseSerializer(many=True), **ERROR_RESPONSES},
        auth=[],
        summary="Search published courses of approved providers",
    )
    def get(self, request: Request) -> Response:
        filters = CatalogueFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        data = dict(filters.validated_data)
        ordering = ORDERINGS[data.pop("ordering")]
        courses = catalogue_courses(filters=CatalogueFilters(**data))
        paginator = self.pagination_class()
        paginator.ordering = ordering
        page = paginator.paginate_queryset(courses, request, view=self) or []
        context: dict[str, Any] = {}
        if request.user.is_authenticated:
            context["wallet_funds"] = wallet_funds_for_courses(user=request.user, courses=page)
        return paginator.get_paginated_response(
            CatalogueCourseSerializer(page, many=True, context=context).data
        )


class CatalogueDetailApi(APIView):
    permission_classes = [AllowAny]
    throttle_classes = [AnonRateThrottle, PublicThrottle]
    throttle_scope = "public"

    @extend_schema(
        operation_id="catalogue_course",
        summary="One published course with its upcoming cohorts",
        responses={200: CatalogueCourseDetailSerializer, **ERROR_RESPONSES, **NOT_FOUND},
        auth=[],
    )
    def get(self, request: Request, course_id: int) -> Response:
        course = catalogue_course_get(course_id=course_id)
        context: dict[str, Any] = {}
        if request.user.is_authenticated:
            context["wallet_funds"] = wallet_funds_for_courses(user=request.user, courses=[course])
        return Response(CatalogueCourseDetailSerializer(course, context=context).data)


class SkillListApi(APIView):
    permission_classes = [AllowAny]

    class SkillSerializer(serializers.Serializer):
        slug = serializers.CharField()
        name = serializers.CharField()

    @extend_schema(
        operation_id="skills",
        summary="The skills courses are tagged with and programmes fund",
        responses={200: SkillSerializer(many=True), 429: ERROR_RESPONSES[429]},
        auth=[],
    )
    def get(self, request: Request) -> Response:
        return Response(self.SkillSerializer(Skill.objects.filter(active=True), many=True).data)
