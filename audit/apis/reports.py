"""Funder reports, read-only, for the programme's funder's officers and auditors.

`GET /api/v1/funder/programmes/<id>/reports/<name>?from=YYYY-MM-DD&to=YYYY-MM-DD` answers JSON;
the same path with `.csv` answers the same rows as a CSV download (formula-safe, streamed).
Someone with no funder role gets 403; another funder's programme is 404.
"""

from __future__ import annotations

import json
from typing import Any, ClassVar

from django.http import HttpResponseBase
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from audit.reports.catalogue import REPORTS, Report, csv_lines
from audit.reports.period import Period, period_from_query
from audit.reports.selectors import programme_get_for_reports
from core.csv_safe import csv_response, csv_text
from core.schema import ERROR_RESPONSES, NOT_FOUND
from users.permissions import HasRoleMFA
from wallets.models import FundingProgramme

PERIOD_PARAMETERS = [
    OpenApiParameter(
        "from",
        OpenApiTypes.DATE,
        description="First day of the period (default: the programme's creation).",
    ),
    OpenApiParameter("to", OpenApiTypes.DATE, description="Last day, included (default: today)."),
]

# Each column's type, for the OpenAPI document.
_COLUMN_FIELDS: dict[str, Any] = {
    "figure": lambda: serializers.CharField(),
    "amount": lambda: serializers.IntegerField(help_text="Minor units of `currency`."),
    "currency": lambda: serializers.CharField(),
    "key": lambda: serializers.CharField(help_text="The group's id, slug, region or YYYY-MM."),
    "label": lambda: serializers.CharField(),
    "learners": lambda: serializers.IntegerField(allow_null=True),
    "enrolments": lambda: serializers.IntegerField(allow_null=True),
    "released": lambda: serializers.IntegerField(allow_null=True),
    "clawed_back": lambda: serializers.IntegerField(allow_null=True),
    "paid": lambda: serializers.IntegerField(allow_null=True),
    "suppressed": lambda: serializers.BooleanField(help_text="Fewer than 5 learners: hidden."),
    "stage": lambda: serializers.CharField(),
    "provider_id": lambda: serializers.IntegerField(allow_null=True),
    "provider_name": lambda: serializers.CharField(),
    "enrolled": lambda: serializers.IntegerField(),
    "started": lambda: serializers.IntegerField(),
    "completed": lambda: serializers.IntegerField(),
    "positive_outcomes": lambda: serializers.IntegerField(),
    "completion_rate": lambda: serializers.DecimalField(
        max_digits=5, decimal_places=4, allow_null=True, coerce_to_string=True
    ),
    "outcome_rate": lambda: serializers.DecimalField(
        max_digits=5, decimal_places=4, allow_null=True, coerce_to_string=True
    ),
    "cost_per_completion": lambda: serializers.IntegerField(allow_null=True),
    "cost_per_positive_outcome": lambda: serializers.IntegerField(allow_null=True),
}


def _class_name(report: Report) -> str:
    return "".join(part.capitalize() for part in report.name.split("-"))


def _output_serializer(report: Report) -> type[serializers.Serializer]:
    row = type(
        f"{_class_name(report)}RowSerializer",
        (serializers.Serializer,),
        {column: _COLUMN_FIELDS[column]() for column in report.columns},
    )
    return type(
        f"{_class_name(report)}ReportSerializer",
        (serializers.Serializer,),
        {
            "programme_id": serializers.IntegerField(),
            "report": serializers.CharField(),
            "from": serializers.DateField(source="start"),
            "to": serializers.DateField(source="end"),
            "rows": row(many=True),
        },
    )


def report_rows(
    request: Request, programme_id: int, report: Report
) -> tuple[FundingProgramme, Period, list[dict[str, Any]]]:
    programme = programme_get_for_reports(user=request.user, programme_id=programme_id)
    period = period_from_query(
        {key: str(value) for key, value in request.query_params.items()},
        default_start=timezone.localdate(programme.created_at),
    )
    return programme, period, report.build(programme, period)


class CsvRenderer(BaseRenderer):
    """Lets a client that accepts only `text/csv` reach the CSV views; an error body is
    written as a one-line CSV (`detail,code`)."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(
        self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None
    ) -> str:
        if isinstance(data, dict) and "detail" in data:
            return csv_text(["detail", "code"], [[data["detail"], data.get("code", "")]])
        return json.dumps(data)


class ReportApi(APIView):
    permission_classes = [IsAuthenticated, HasRoleMFA]
    report: ClassVar[Report]

    def get(self, request: Request, programme_id: int) -> Response:
        programme, period, rows = report_rows(request, programme_id, self.report)
        serializer = self.get_serializer_class()(
            {
                "programme_id": programme.pk,
                "report": self.report.name,
                "start": period.start,
                "end": period.end,
                "rows": rows,
            }
        )
        return Response(serializer.data)

    @classmethod
    def get_serializer_class(cls) -> type[serializers.Serializer]:
        return _output_serializer(cls.report)


class ReportCsvApi(APIView):
    permission_classes = [IsAuthenticated, HasRoleMFA]
    renderer_classes = [JSONRenderer, CsvRenderer]
    report: ClassVar[Report]

    def get(self, request: Request, programme_id: int) -> HttpResponseBase:
        programme, period, rows = report_rows(request, programme_id, self.report)
        filename = f"programme-{programme.pk}-{self.report.name}-{period.start}-{period.end}.csv"
        return csv_response(filename, self.report.columns, csv_lines(self.report, rows))


def _views(report: Report) -> tuple[type[ReportApi], type[ReportCsvApi]]:
    operation = report.name.replace("-", "_")

    def json_get(self: ReportApi, request: Request, programme_id: int) -> Response:
        return ReportApi.get(self, request, programme_id)

    def csv_get(self: ReportCsvApi, request: Request, programme_id: int) -> HttpResponseBase:
        return ReportCsvApi.get(self, request, programme_id)

    json_get = extend_schema(
        operation_id=f"funder_report_{operation}",
        tags=["funder reports"],
        parameters=PERIOD_PARAMETERS,
        responses={200: _output_serializer(report), **ERROR_RESPONSES, **NOT_FOUND},
        summary=report.title,
        description=report.description + " The same rows as CSV: add `.csv` to the path.",
    )(json_get)
    csv_get = extend_schema(
        operation_id=f"funder_report_{operation}_csv",
        tags=["funder reports"],
        parameters=PERIOD_PARAMETERS,
        responses={
            (200, "text/csv"): OpenApiResponse(
                OpenApiTypes.STR,
                description=f"CSV, header line then rows: {', '.join(report.columns)}.",
            ),
            **ERROR_RESPONSES,
            **NOT_FOUND,
        },
        summary=f"{report.title} (CSV)",
        description=report.description
        + " As a CSV download: cells a spreadsheet would run as a formula are quoted.",
    )(csv_get)
    name = _class_name(report)
    json_view = type(f"{name}ReportApi", (ReportApi,), {"report": report, "get": json_get})
    csv_view = type(f"{name}ReportCsvApi", (ReportCsvApi,), {"report": report, "get": csv_get})
    return json_view, csv_view


REPORT_VIEWS = {name: _views(report) for name, report in REPORTS.items()}
