"""The funder dashboard, `/funders/<id>/dashboard/`: a server-rendered page for the funder's
officers and auditors (headline figures in pounds, SVG charts, the funnel, outcomes awaiting
the funder's check, open flags, the ledger check, links to the CSV exports).

People sign in on allauth's pages (`/accounts/login/`, then the second factor), the same
accounts and rule as the API: an anonymous visitor is sent to sign in, someone without a
funder role or without the second factor on this session gets 403, another funder's page is
404 (it does not exist for them).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from audit.reports import figures
from audit.reports.catalogue import REPORTS
from audit.reports.charts import Bar, column_bars, horizontal_bars
from audit.reports.period import Period, period_from_query
from audit.reports.selectors import check_funder_reader, funder_get_for_reports
from audit.selectors import latest_ledger_verification, open_flags
from core.errors import DomainError, Forbidden, NotFound
from core.money import format_money
from enrolments.models import Enrolment
from users.permissions import role_access_allowed, user_has_mfa
from wallets.models import Funder, FundingProgramme

SAMPLES_SHOWN = 50


@require_GET
def funder_dashboard(request: HttpRequest, funder_id: int) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path(), reverse("account_login"))
    try:
        check_funder_reader(user=request.user)
    except Forbidden:
        return _refused(request, "no_funder_role")
    if not role_access_allowed(request):
        reason = "mfa_required" if not user_has_mfa(request.user) else "mfa_session"
        return _refused(request, reason)
    try:
        funder = funder_get_for_reports(user=request.user, funder_id=funder_id)
        programmes = list(FundingProgramme.objects.filter(funder=funder).order_by("name", "pk"))
        programme = _chosen(programmes, request.GET.get("programme"))
    except NotFound:
        return render(request, "audit/not_found.html", status=404)
    try:
        context = _context(request, funder, programmes, programme)
    except DomainError as exc:
        return render(request, "audit/bad_request.html", {"detail": exc.detail}, status=400)
    return render(request, "audit/dashboard.html", context)


OPEN_FLAGS_SHOWN = 20


def _refused(request: HttpRequest, reason: str) -> HttpResponse:
    return render(
        request,
        "audit/refused.html",
        {"reason": reason, "email": getattr(request.user, "email", "")},
        status=403,
    )


def _chosen(programmes: list[FundingProgramme], wanted: str | None) -> FundingProgramme | None:
    for programme in programmes:
        if wanted and str(programme.pk) == wanted:
            return programme
    if wanted:
        raise NotFound("Programme not found.")
    active = [p for p in programmes if p.status == FundingProgramme.Status.ACTIVE]
    return next(iter(active or programmes), None)


def _context(
    request: HttpRequest,
    funder: Funder,
    programmes: list[FundingProgramme],
    programme: FundingProgramme | None,
) -> dict[str, Any]:
    context: dict[str, Any] = {
        "funder": funder,
        "programmes": programmes,
        "programme": programme,
        # The funder's open anomaly flags (for the chosen programme when there is one).
        "open_flags": list(
            open_flags(funder, programme).select_related("provider")[:OPEN_FLAGS_SHOWN]
        ),
        # The latest ledger verification run (the daily job or `manage.py ledger_verify`).
        "ledger_check": latest_ledger_verification(),
    }
    if programme is None:
        return context
    period = period_from_query(
        {key: str(value) for key, value in request.GET.items()},
        default_start=timezone.localdate(programme.created_at),
    )
    totals = figures.totals(programme=programme, period=period)
    money = _money(programme.currency)
    by_month = figures.spend_by_month(programme=programme, period=period)
    by_provider = figures.spend_by(programme=programme, period=period, group="provider")
    stages = figures.stages(programme=programme, period=period)
    funnel = [
        ("Applied", stages.applied),
        ("Granted", stages.granted),
        ("Enrolled", stages.enrolled),
        ("Started", stages.started),
        ("Completed", stages.completed),
        ("Outcome recorded", stages.outcome),
        ("Positive outcome", stages.positive_outcome),
    ]
    context.update(
        {
            "period": period,
            "totals": totals,
            "headline": [
                ("Budget", totals.budget),
                ("Granted in the period", totals.granted),
                ("Held in escrow", totals.held_in_escrow),
                ("Paid to providers in the period", totals.paid_to_providers),
                ("Returned on expiry", totals.returned_by_expiry),
                ("Returned from escrow", totals.returned_from_escrow),
                ("Unspent in learners' pots", totals.in_pots),
                ("Remaining budget", totals.remaining),
            ],
            "month_chart": column_bars(
                "Paid to providers by month",
                [Bar(row.key, row.paid or 0, money(row.paid)) for row in by_month],
            ),
            "provider_chart": horizontal_bars(
                "Paid to providers by provider",
                [Bar(row.label, row.paid or 0, money(row.paid)) for row in by_provider],
            ),
            "funnel_chart": horizontal_bars(
                "Learners from application to outcome",
                [Bar(label, count, f"{count:,}") for label, count in funnel],
            ),
            "outcomes": figures.provider_outcomes(programme=programme, period=period),
            "samples": _samples(programme),
            "exports": _exports(programme, period),
        }
    )
    return context


def _money(currency: str) -> Any:
    def shown(amount: int | None) -> str:
        return "suppressed" if amount is None else format_money(amount, currency)

    return shown


def _samples(programme: FundingProgramme) -> list[Enrolment]:
    """Recorded outcomes the programme sampled, waiting for an officer's check, oldest first."""
    return list(
        Enrolment.objects.filter(
            programme=programme, outcome_verification=Enrolment.Verification.PENDING
        )
        .select_related("learner", "cohort__course__provider")
        .order_by("outcome_date", "pk")[:SAMPLES_SHOWN]
    )


def _exports(programme: FundingProgramme, period: Period) -> list[tuple[str, str]]:
    query = urlencode({"from": period.start.isoformat(), "to": period.end.isoformat()})
    return [
        (
            report.title,
            reverse(f"funder-report-{name}-csv", kwargs={"programme_id": programme.pk})
            + f"?{query}",
        )
        for name, report in REPORTS.items()
    ]
