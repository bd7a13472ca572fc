"""Repayment calendar as pure functions: monthly periods, repayment start, write-off dates,
and the annual percentage rate (APR) of a stream of payments.

APR method (docs/repayments.md): the actuarial method of US Regulation Z, Appendix J, with
a month as the unit period. The advance is made on one date and each payment on another;
the time of each payment is the number of whole months after the advance plus the odd days
as a fraction of a 30-day month. The monthly rate `i` solves
`advance = Σ payment_k / (1 + i) ** t_k` and is found by bisection (the present value falls
as `i` rises, so the root is unique); APR = 12 × i.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum


class WriteOffRule(StrEnum):
    # UK student loans: written off N years after the April the borrower was first due to repay.
    FROM_APRIL_AFTER_FIRST_DUE = "from_april_after_first_due"
    # Income-share agreements: N years after repayment starts.
    FROM_REPAYMENT_START = "from_repayment_start"


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(day: dt.date, months: int) -> dt.date:
    """Same day `months` later, clamped to the month's last day (31 Jan + 1 → 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    next_month = dt.date(year + (month == 12), month % 12 + 1, 1)
    return day.replace(year=year, month=month, day=min(day.day, (next_month - dt.timedelta(1)).day))


def add_years(day: dt.date, years: int) -> dt.date:
    return add_months(day, 12 * years)


def repayment_start_after(day: dt.date) -> dt.date:
    """Repayment starts with the first whole month after `day` (the course end or exit)."""
    return add_months(month_start(day), 1)


def write_off_date(*, repayment_starts_on: dt.date, term_years: int, rule: str) -> dt.date:
    """The day what is left is written off (no period starting on or after it is assessed)."""
    if rule == WriteOffRule.FROM_APRIL_AFTER_FIRST_DUE:
        april = dt.date(repayment_starts_on.year, 4, 6)
        if april < repayment_starts_on:
            april = dt.date(repayment_starts_on.year + 1, 4, 6)
        return add_years(april, term_years)
    return add_years(repayment_starts_on, term_years)


def months_between(start: dt.date, end: dt.date) -> int:
    """Whole calendar months from `start`'s month to `end`'s month."""
    return (end.year - start.year) * 12 + end.month - start.month


def periods(first: dt.date, until: dt.date) -> Iterator[dt.date]:
    """First days of the months from `first`'s month while they are before `until`."""
    current = month_start(first)
    while current < until:
        yield current
        current = add_months(current, 1)


def period_end(period: dt.date) -> dt.date:
    return add_months(period, 1) - dt.timedelta(days=1)


def period_label(period: dt.date) -> str:
    return f"{period:%Y-%m}"


# --- APR ----------------------------------------------------------------------------------


def unit_periods(advance_on: dt.date, paid_on: dt.date) -> Decimal:
    """Months from the advance to a payment: whole months plus odd days ÷ 30 (Reg Z App. J)."""
    months = months_between(advance_on, paid_on)
    anchor = add_months(advance_on, months)
    if anchor > paid_on:
        months -= 1
        anchor = add_months(advance_on, months)
    return Decimal(months) + Decimal((paid_on - anchor).days) / Decimal(30)


def annual_percentage_rate(
    *, advance: int, advance_on: dt.date, payments: Sequence[tuple[dt.date, int]]
) -> Decimal | None:
    """The APR in percent (two decimals) of `advance` repaid by `payments` (date, amount).

    None when nothing is paid. Negative when less than the advance is paid back.
    """
    flows = [(float(unit_periods(advance_on, day)), amount) for day, amount in payments if amount]
    if advance <= 0 or not flows:
        return None

    def present_value(rate: float) -> float:
        # (1 + rate) ** -t underflows to 0 for huge rates rather than overflowing.
        return sum(amount * (1 + rate) ** -t for t, amount in flows)

    low, high = -0.5, 1.0
    while present_value(high) > advance and high < 1e6:
        high *= 2
    for _ in range(200):
        middle = (low + high) / 2
        if present_value(middle) > advance:
            low = middle
        else:
            high = middle
    monthly = Decimal(repr((low + high) / 2))
    apr = (monthly * 12 * 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return apr if apr else Decimal("0.00")  # never "-0.00"
