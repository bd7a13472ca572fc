"""The funder audit API (reports, flags, the audit trail), under /api/v1/."""

from django.urls import URLPattern, URLResolver, path

from audit.apis.reports import REPORT_VIEWS

urlpatterns: list[URLPattern | URLResolver] = []

for _name, (_json_view, _csv_view) in REPORT_VIEWS.items():
    urlpatterns += [
        path(
            f"funder/programmes/<int:programme_id>/reports/{_name}",
            _json_view.as_view(),
            name=f"funder-report-{_name}",
        ),
        path(
            f"funder/programmes/<int:programme_id>/reports/{_name}.csv",
            _csv_view.as_view(),
            name=f"funder-report-{_name}-csv",
        ),
    ]
