"""The figures behind every funder report, read from the ledger and the enrolments.

Money comes from the ledger alone (docs/audit.md): the programme's totals are
`wallets.balances.programme_money` snapshots (a period's flows are the difference between
the snapshot at its end and the one just before it starts), and spend is what the
programme's escrow holds paid to providers (milestone releases less clawbacks) in the
period, grouped by whatever the hold's enrolment was for. So the spend rows of every
breakdown add up to the totals' `paid_to_providers`, to the penny.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

from django.conf import settings
from django.db import connection

from audit.reports.period import Period
from audit.reports.summaries import enrolment_flow_sql, programme_rows, summarised_id
from core.money import round_money_down
from enrolments.models import Enrolment
from wallets.balances import programme_money
from wallets.models import FundingProgramme

POSITIVE_OUTCOMES = (
    Enrolment.Outcome.EMPLOYMENT,
    Enrolment.Outcome.PROMOTION,
    Enrolment.Outcome.FURTHER_LEARNING,
)
NOT_RECORDED = "Not recorded"


def _fetch(sql: str, params: list[Any] | dict[str, Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


def rate(numerator: int, denominator: int) -> Decimal | None:
    """A share as a decimal with four places (rounded down), or None when nothing to divide."""
    if denominator == 0:
        return None
    return Decimal(int(Fraction(numerator, denominator) * 10000)) / Decimal(10000)


def cost_per(amount: int, count: int) -> int | None:
    """Money per unit in minor units, rounded down (`core.money.round_money_down`)."""
    if count == 0:
        return None
    return round_money_down(amount, Fraction(1, count))


# --- Totals ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Totals:
    currency: str
    budget: int  # funded up to the end of the period
    funded: int  # in the period
    granted: int
    paid_to_providers: int  # released less clawed back, in the period
    released: int
    clawed_back: int
    returned_by_expiry: int  # swept back from expired pots to the budget
    returned_from_escrow: int  # back from holds: withdrawals, cancellations, unpaid shares
    returned_by_withdrawal: int  # the part of the above for enrolments now withdrawn
    held_in_escrow: int  # at the end of the period
    in_pots: int  # granted, not yet spent or expired, at the end of the period
    remaining: int  # the budget not granted, at the end of the period
    reconciles: bool  # funded + reversed = remaining + in pots + held + paid, at the end


def totals(*, programme: FundingProgramme, period: Period) -> Totals:
    end = programme_money(
        programme=programme,
        as_of=period.last_moment,
        by_kind=programme_rows(
            programme_id=programme.pk,
            before_day=period.end + dt.timedelta(days=1),
            before=period.end_before,
        ),
    )
    before = programme_money(
        programme=programme,
        as_of=period.before_start,
        by_kind=programme_rows(
            programme_id=programme.pk, before_day=period.start, before=period.start_at
        ),
    )
    withdrawn = _fetch(
        """
        SELECT COALESCE(SUM(-e.amount), 0)
        FROM wallets_ledgerentry e
        JOIN wallets_ledgertransaction t ON t.id = e.transaction_id
        JOIN enrolments_enrolmenthold h ON h.account_id = e.account_id
        JOIN enrolments_enrolment en ON en.id = h.enrolment_id
        WHERE h.programme_id = %s AND h.source = 'grant' AND t.kind = 'hold_return'
          AND en.status = 'withdrawn' AND e.created_at >= %s AND e.created_at < %s
        """,
        [programme.pk, period.start_at, period.end_before],
    )[0][0]
    return Totals(
        currency=programme.currency,
        budget=end.funded,
        funded=end.funded - before.funded,
        granted=end.granted - before.granted,
        paid_to_providers=end.paid_to_providers - before.paid_to_providers,
        released=end.released - before.released,
        clawed_back=end.clawed_back - before.clawed_back,
        returned_by_expiry=end.returned_from_expired_pots - before.returned_from_expired_pots,
        returned_from_escrow=end.returned_from_holds - before.returned_from_holds,
        returned_by_withdrawal=int(withdrawn),
        held_in_escrow=end.held_in_escrow,
        in_pots=end.in_pots,
        remaining=end.available,
        reconciles=end.balances,
    )


# --- Spend -------------------------------------------------------------------------------------


# What the programme's escrow holds paid out in the period, per enrolment and day (the
# summaries plus the entries above their watermark), with the course's title and skills.
def _spend_cte() -> str:
    return (
        "WITH flows AS (" + enrolment_flow_sql() + "), "  # noqa: S608 (fixed text, values bound)
        "spend AS (SELECT f.*, c.title AS course_title, c.skills FROM flows f "
        "JOIN courses_course c ON c.id = f.course_id) "
    )


_GROUPS = {
    "provider": (
        "SELECT s.provider_id, p.name, COUNT(DISTINCT s.learner_id), "
        "COUNT(DISTINCT s.enrolment_id), SUM(s.released), SUM(s.clawed_back) FROM spend s "
        "JOIN (SELECT id, COALESCE(NULLIF(trading_name, ''), legal_name) AS name "
        "FROM providers_provider) p ON p.id = s.provider_id "
        "GROUP BY s.provider_id, p.name ORDER BY p.name, s.provider_id"
    ),
    "course": (
        "SELECT s.course_id, MIN(s.course_title), COUNT(DISTINCT s.learner_id), "
        "COUNT(DISTINCT s.enrolment_id), SUM(s.released), SUM(s.clawed_back) FROM spend s "
        "GROUP BY s.course_id ORDER BY MIN(s.course_title), s.course_id"
    ),
    "skill": (
        "SELECT skill, skill, COUNT(DISTINCT s.learner_id), COUNT(DISTINCT s.enrolment_id), "
        "SUM(s.released), "
        "SUM(s.clawed_back) FROM spend s CROSS JOIN LATERAL unnest(s.skills) AS skill "
        "GROUP BY skill ORDER BY skill"
    ),
    "region": (
        "SELECT s.region, s.region, COUNT(DISTINCT s.learner_id), "
        "COUNT(DISTINCT s.enrolment_id), SUM(s.released), "
        "SUM(s.clawed_back) FROM spend s GROUP BY s.region ORDER BY s.region"
    ),
}


@dataclass
class SpendRow:
    key: Any
    label: str
    learners: int | None
    enrolments: int | None
    released: int | None
    clawed_back: int | None
    paid: int | None
    suppressed: bool = False


def _flow_params(programme: FundingProgramme, period: Period) -> dict[str, Any]:
    return {
        "programme": programme.pk,
        "first_day": period.start,
        "last_day": period.end,
        "start": period.start_at,
        "end": period.end_before,
        "summarised": summarised_id(),
        "tz": settings.TIME_ZONE,
    }


def spend_by(*, programme: FundingProgramme, period: Period, group: str) -> list[SpendRow]:
    """Spend in the period by provider, course, skill or region.

    A course with several skills counts in each of them, so the skill rows can add up to
    more than the total; the other breakdowns add up to it exactly.
    """
    rows = _fetch(_spend_cte() + _GROUPS[group], _flow_params(programme, period))
    result = [
        SpendRow(
            key=key,
            label=(label or NOT_RECORDED) if group == "region" else str(label),
            learners=int(learners),
            enrolments=int(enrolments),
            released=int(released),
            clawed_back=int(clawed_back),
            paid=int(released) - int(clawed_back),
        )
        for key, label, learners, enrolments, released, clawed_back in rows
    ]
    if group == "region":
        suppress_small_groups(result)
    return result


def spend_by_month(*, programme: FundingProgramme, period: Period) -> list[SpendRow]:
    """Spend in the period by calendar month (in the service's time zone)."""
    rows = _fetch(
        "WITH flows AS (" + enrolment_flow_sql() + ") "
        "SELECT date_trunc('month', day)::date AS month, SUM(released), SUM(clawed_back) "
        "FROM flows GROUP BY month ORDER BY month",
        _flow_params(programme, period),
    )
    return [
        SpendRow(
            key=month.isoformat()[:7],
            label=month.strftime("%B %Y"),
            learners=None,
            enrolments=None,
            released=int(released),
            clawed_back=int(clawed_back),
            paid=int(released) - int(clawed_back),
        )
        for month, released, clawed_back in rows
    ]


# --- Suppression -------------------------------------------------------------------------------

SMALL_GROUP = 5


def suppress_small_groups(rows: list[SpendRow]) -> None:
    """Hide every group of fewer than five learners (counts and money: null, `suppressed`).

    When exactly one group would be hidden, the next smallest is hidden too, so the hidden
    one cannot be worked out by subtracting the shown rows from the total.
    """
    small = [row for row in rows if row.learners is not None and row.learners < SMALL_GROUP]
    if len(small) == 1 and len(rows) > 1:
        shown = sorted((row for row in rows if row not in small), key=lambda row: row.learners or 0)
        small.append(shown[0])
    for row in small:
        row.learners = row.enrolments = row.released = row.clawed_back = row.paid = None
        row.suppressed = True


# --- Learners by stage -----------------------------------------------------------------------


@dataclass(frozen=True)
class Stages:
    applied: int  # learners who applied to the programme in the period
    granted: int  # learners granted money in the period
    enrolled: int  # learners who took a place paid by the programme (accepted)
    started: int  # learners whose start was confirmed
    completed: int
    outcome: int  # learners whose outcome was recorded (any outcome)
    positive_outcome: int  # employment, promotion or further learning


def stages(*, programme: FundingProgramme, period: Period) -> Stages:
    """How many learners reached each stage in the period (each counted once per stage)."""
    params = {
        "programme": programme.pk,
        "start": period.start_at,
        "end": period.end_before,
        "start_day": period.start,
        "end_day": period.end,
        "positive": list(POSITIVE_OUTCOMES),
    }
    [row] = _fetch(
        """
        SELECT
          (SELECT COUNT(DISTINCT learner_id) FROM wallets_programmeapplication
            WHERE programme_id = %(programme)s
              AND created_at >= %(start)s AND created_at < %(end)s),
          (SELECT COUNT(DISTINCT learner_id) FROM wallets_grant
            WHERE programme_id = %(programme)s
              AND created_at >= %(start)s AND created_at < %(end)s),
          COUNT(DISTINCT en.learner_id) FILTER (
            WHERE h.created_at >= %(start)s AND h.created_at < %(end)s),
          COUNT(DISTINCT en.learner_id) FILTER (
            WHERE en.learner_confirmed_start_at >= %(start)s
              AND en.learner_confirmed_start_at < %(end)s),
          COUNT(DISTINCT en.learner_id) FILTER (
            WHERE en.completed_at >= %(start)s AND en.completed_at < %(end)s),
          COUNT(DISTINCT en.learner_id) FILTER (
            WHERE en.outcome <> '' AND en.outcome_date BETWEEN %(start_day)s AND %(end_day)s),
          COUNT(DISTINCT en.learner_id) FILTER (
            WHERE en.outcome = ANY(%(positive)s)
              AND en.outcome_date BETWEEN %(start_day)s AND %(end_day)s)
        FROM enrolments_enrolment en
        JOIN enrolments_enrolmenthold h
          ON h.enrolment_id = en.id AND h.programme_id = %(programme)s AND h.source = 'grant'
        WHERE en.programme_id = %(programme)s
        """,
        params,
    )
    return Stages(*(int(value) for value in row))


# --- Outcomes per provider ---------------------------------------------------------------------


@dataclass(frozen=True)
class ProviderOutcomes:
    provider_id: int | None  # None: every provider together
    provider_name: str
    enrolled: int
    started: int
    completed: int
    positive_outcomes: int
    paid: int
    completion_rate: Decimal | None  # completed / started
    outcome_rate: Decimal | None  # positive outcomes / completed
    cost_per_completion: int | None
    cost_per_positive_outcome: int | None


_PLACES = """
        WITH places AS (
            SELECT DISTINCT ON (en.id) en.id, en.learner_id, en.learner_confirmed_start_at,
                   en.completed_at, en.outcome, c.provider_id
            FROM enrolments_enrolment en
            JOIN enrolments_enrolmenthold h
              ON h.enrolment_id = en.id AND h.programme_id = %(programme)s AND h.source = 'grant'
            JOIN courses_cohort co ON co.id = en.cohort_id
            JOIN courses_course c ON c.id = co.course_id
            WHERE en.programme_id = %(programme)s
              AND h.created_at >= %(place_start)s AND h.created_at < %(place_end)s
        ),
"""
_PAID_BY_PROVIDER = """
        paid AS (
            SELECT f.enrolment_id, SUM(f.released - f.clawed_back) AS paid
            FROM flows f JOIN places pl ON pl.id = f.enrolment_id
            GROUP BY f.enrolment_id
        )
        SELECT pl.provider_id, pr.name, COUNT(*),
               COUNT(*) FILTER (WHERE pl.learner_confirmed_start_at IS NOT NULL),
               COUNT(*) FILTER (WHERE pl.completed_at IS NOT NULL),
               COUNT(*) FILTER (WHERE pl.outcome = ANY(%(positive)s)),
               COALESCE(SUM(pa.paid), 0)
        FROM places pl
        JOIN (SELECT id, COALESCE(NULLIF(trading_name, ''), legal_name) AS name
              FROM providers_provider) pr ON pr.id = pl.provider_id
        LEFT JOIN paid pa ON pa.enrolment_id = pl.id
        GROUP BY pl.provider_id, pr.name
        ORDER BY pr.name, pl.provider_id
"""


def provider_outcomes(*, programme: FundingProgramme, period: Period) -> list[ProviderOutcomes]:
    """For the places the programme paid for that were taken (accepted) in the period: how
    many started, completed and reached a positive outcome, per provider and overall, and
    what the programme paid the provider for them up to the end of the period."""
    sql = "".join([_PLACES, "flows AS (", enrolment_flow_sql(), "), ", _PAID_BY_PROVIDER])
    rows = _fetch(
        sql,
        {
            **_flow_params(programme, Period(dt.date(2000, 1, 1), period.end)),
            "place_start": period.start_at,
            "place_end": period.end_before,
            "positive": list(POSITIVE_OUTCOMES),
        },
    )
    counts = [
        (provider_id, name, *(int(value) for value in figures))
        for provider_id, name, *figures in rows
    ]
    overall = (None, "All providers", *(sum(row[i] for row in counts) for i in range(2, 7)))
    return [_outcomes(row) for row in [*counts, overall]]


def _outcomes(row: tuple[Any, ...]) -> ProviderOutcomes:
    provider_id, name, enrolled, started, completed, positive, paid = row
    return ProviderOutcomes(
        provider_id=provider_id,
        provider_name=name,
        enrolled=enrolled,
        started=started,
        completed=completed,
        positive_outcomes=positive,
        paid=paid,
        completion_rate=rate(completed, started),
        outcome_rate=rate(positive, completed),
        cost_per_completion=cost_per(paid, completed),
        cost_per_positive_outcome=cost_per(paid, positive),
    )
