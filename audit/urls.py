"""The funder audit API (reports, flags, the audit trail), under /api/v1/."""

from django.urls import URLPattern, URLResolver, path

from audit.apis import flags, trail
from audit.apis.reports import REPORT_VIEWS

urlpatterns: list[URLPattern | URLResolver] = [
    path(
        "audit/programmes/<int:programme_id>/flags",
        flags.ProgrammeFlagListApi.as_view(),
        name="audit-programme-flags",
    ),
    path("audit/flags/<int:flag_id>/clear", flags.FlagClearApi.as_view(), name="audit-flag-clear"),
    path(
        "audit/programmes/<int:programme_id>/trail",
        trail.ProgrammeTrailApi.as_view(),
        name="audit-programme-trail",
    ),
    path(
        "audit/programmes/<int:programme_id>/sampling",
        trail.ProgrammeSamplingApi.as_view(),
        name="audit-programme-sampling",
    ),
    path(
        "audit/ledger-verification",
        trail.LedgerVerificationApi.as_view(),
        name="audit-ledger-verification",
    ),
]

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
