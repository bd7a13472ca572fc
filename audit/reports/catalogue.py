"""Every funder report, once: its name, what it says, its JSON rows and its CSV columns.

The API (audit/apis/reports.py) serves each report as JSON at
`/api/v1/funder/programmes/<id>/reports/<name>` and as CSV at the same path with `.csv`; the
dashboard links to the CSVs. A report is one table: `rows` in JSON, one CSV line per row.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from audit.reports import figures
from audit.reports.period import Period
from wallets.models import FundingProgramme

Rows = list[dict[str, Any]]


@dataclass(frozen=True)
class Report:
    name: str
    title: str
    description: str
    columns: tuple[str, ...]
    build: Callable[[FundingProgramme, Period], Rows]


def _totals(programme: FundingProgramme, period: Period) -> Rows:
    totals = figures.totals(programme=programme, period=period)
    return [
        {"figure": name, "amount": value, "currency": totals.currency}
        for name, value in dataclasses.asdict(totals).items()
        if name not in ("currency", "reconciles")
    ]


def _spend(group: str) -> Callable[[FundingProgramme, Period], Rows]:
    def build(programme: FundingProgramme, period: Period) -> Rows:
        rows = (
            figures.spend_by_month(programme=programme, period=period)
            if group == "month"
            else figures.spend_by(programme=programme, period=period, group=group)
        )
        return [
            {
                "key": str(row.key),
                "label": row.label,
                "learners": row.learners,
                "enrolments": row.enrolments,
                "released": row.released,
                "clawed_back": row.clawed_back,
                "paid": row.paid,
                "currency": programme.currency,
                "suppressed": row.suppressed,
            }
            for row in rows
        ]

    return build


def _stages(programme: FundingProgramme, period: Period) -> Rows:
    stages = figures.stages(programme=programme, period=period)
    return [
        {"stage": stage, "learners": count} for stage, count in dataclasses.asdict(stages).items()
    ]


def _outcomes(programme: FundingProgramme, period: Period) -> Rows:
    return [
        {
            **dataclasses.asdict(row),
            "completion_rate": None if row.completion_rate is None else str(row.completion_rate),
            "outcome_rate": None if row.outcome_rate is None else str(row.outcome_rate),
            "currency": programme.currency,
        }
        for row in figures.provider_outcomes(programme=programme, period=period)
    ]


SPEND_COLUMNS = (
    "key",
    "label",
    "learners",
    "enrolments",
    "released",
    "clawed_back",
    "paid",
    "currency",
    "suppressed",
)
SPEND_TEXT = (
    "Paid to providers from the programme's escrow holds in the period (milestone releases "
    "less clawbacks, minor units), with the learners and enrolments it paid for."
)
SUPPRESSION_TEXT = (
    " Groups of fewer than 5 learners are suppressed: counts and amounts null, "
    "`suppressed` true (and the next smallest group too when only one would be)."
)

REPORTS: dict[str, Report] = {
    report.name: report
    for report in (
        Report(
            "totals",
            "Programme totals: budget, granted, held, paid, returned, remaining",
            "The programme's money from the ledger. `budget`, `held_in_escrow`, `in_pots` and "
            "`remaining` are balances at the end of the period; the other figures are what "
            "moved during it. Amounts in minor units of `currency`.",
            ("figure", "amount", "currency"),
            _totals,
        ),
        Report(
            "spend-by-provider",
            "Spend by provider",
            SPEND_TEXT + " One row per provider; the rows add up to the totals' paid.",
            SPEND_COLUMNS,
            _spend("provider"),
        ),
        Report(
            "spend-by-course",
            "Spend by course",
            SPEND_TEXT + " One row per course; the rows add up to the totals' paid.",
            SPEND_COLUMNS,
            _spend("course"),
        ),
        Report(
            "spend-by-skill",
            "Spend by skill",
            SPEND_TEXT + " A course with several skills counts under each of them.",
            SPEND_COLUMNS,
            _spend("skill"),
        ),
        Report(
            "spend-by-region",
            "Spend by the learners' region",
            SPEND_TEXT + " Grouped by the region on the learner's application to the "
            "programme ('Not recorded' without one)." + SUPPRESSION_TEXT,
            SPEND_COLUMNS,
            _spend("region"),
        ),
        Report(
            "spend-by-month",
            "Spend by month",
            SPEND_TEXT + " One row per calendar month (UK time) with spend; `key` is YYYY-MM.",
            SPEND_COLUMNS,
            _spend("month"),
        ),
        Report(
            "learners-by-stage",
            "Learners by stage: applied, granted, enrolled, started, completed, outcome",
            "How many learners reached each stage during the period: applied to the "
            "programme, granted, took a place it pays for, start confirmed, completed, "
            "outcome recorded, positive outcome (job, promotion, further learning).",
            ("stage", "learners"),
            _stages,
        ),
        Report(
            "provider-outcomes",
            "Completion and outcome rates, cost per completion and per positive outcome",
            "For places the programme paid for that were taken in the period, per provider "
            "and for all providers (`provider_id` null): started, completed, positive "
            "outcomes, what the programme paid for them up to the end of the period; "
            "completion rate = completed / started, outcome rate = positive / completed "
            "(4 decimal places, rounded down, null when nothing to divide); costs in minor "
            "units rounded down.",
            (
                "provider_id",
                "provider_name",
                "enrolled",
                "started",
                "completed",
                "positive_outcomes",
                "paid",
                "currency",
                "completion_rate",
                "outcome_rate",
                "cost_per_completion",
                "cost_per_positive_outcome",
            ),
            _outcomes,
        ),
    )
}


def csv_lines(report: Report, rows: Rows) -> list[list[Any]]:
    return [[row[column] for column in report.columns] for row in rows]
