"""Repayment arithmetic as pure functions (no database): pay periods, tax years, what is due.

The rules (docs/repayments.md): period threshold = annual threshold ÷ periods per year,
truncated to the penny; due = rate × (pay − period threshold) for `above_threshold` plans,
rate × pay for `whole_income` plans once pay reaches the threshold; rounded down to a whole
currency unit at ONE point (`core.money.round_money_down_to_whole_units`); then cut so that
it never takes the total past the cap or the outstanding balance.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from core.money import CURRENCIES, format_money, round_money_down_to_whole_units


class Basis(StrEnum):
    ABOVE_THRESHOLD = "above_threshold"
    WHOLE_INCOME = "whole_income"


class PayPeriod(StrEnum):
    WEEKLY = "weekly"
    FORTNIGHTLY = "fortnightly"
    FOUR_WEEKLY = "four_weekly"
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    ANNUAL = "annual"


PERIODS_PER_YEAR: dict[PayPeriod, int] = {
    PayPeriod.WEEKLY: 52,
    PayPeriod.FORTNIGHTLY: 26,
    PayPeriod.FOUR_WEEKLY: 13,
    PayPeriod.MONTHLY: 12,
    PayPeriod.QUARTERLY: 4,
    PayPeriod.ANNUAL: 1,
}

# --- Tax years (UK: 6 April to 5 April) -----------------------------------------------------

_TAX_YEAR = re.compile(r"^([0-9]{4})-([0-9]{2})\Z")


def tax_year_label(start_year: int) -> str:
    """2024 → "2024-25"."""
    return f"{start_year}-{(start_year + 1) % 100:02d}"


def parse_tax_year(label: str) -> int | None:
    """ "2024-25" → 2024; None unless the two years are consecutive ("2024-26" is not)."""
    match = _TAX_YEAR.match(label)
    if match is None:
        return None
    start = int(match[1])
    if (start + 1) % 100 != int(match[2]):
        return None
    return start


def tax_year_of(day: dt.date) -> int:
    """The start year of the UK tax year containing `day` (tax years start on 6 April)."""
    return day.year if (day.month, day.day) >= (4, 6) else day.year - 1


def tax_year_start(start_year: int) -> dt.date:
    return dt.date(start_year, 4, 6)


# --- The calculation ------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanTerms:
    """What the arithmetic needs of a plan: basis, rate, annual threshold, currency."""

    basis: Basis
    rate: Decimal
    annual_threshold: int  # minor units
    currency: str


@dataclass(frozen=True)
class Calculation:
    currency: str
    basis: Basis
    rate: Decimal
    pay_period: PayPeriod
    periods_per_year: int
    annual_threshold: int
    period_threshold: int
    gross_pay: int
    chargeable_pay: int  # what the rate applies to (0 below the threshold)
    due_by_rule: int  # rate × chargeable pay, rounded down to a whole unit
    due: int  # after the cap and balance
    limited_by: str | None  # "cap", "balance" or None
    working: list[str] = field(default_factory=list)


def period_threshold(annual_threshold: int, pay_period: PayPeriod) -> int:
    """Annual threshold ÷ periods per year, truncated to the penny (minor unit)."""
    return annual_threshold // PERIODS_PER_YEAR[pay_period]


def repayment_due(
    *,
    terms: PlanTerms,
    pay_period: PayPeriod,
    gross_pay: int,
    cap: int | None = None,
    repaid: int = 0,
    balance: int | None = None,
) -> Calculation:
    """What is due for one pay period's gross pay (minor units), and how it was worked out.

    `cap` is the most that can ever be paid and `repaid` what has been paid towards it;
    `balance` is what is still outstanding. The result never takes `repaid` past `cap` nor
    exceeds `balance`.
    """
    if gross_pay < 0:
        raise ValueError("gross pay cannot be negative")
    currency = terms.currency
    periods = PERIODS_PER_YEAR[pay_period]
    threshold = period_threshold(terms.annual_threshold, pay_period)
    money = lambda amount: format_money(amount, currency)  # noqa: E731
    working = [
        f"Period threshold: {money(terms.annual_threshold)} ÷ {periods} = "
        f"{money(threshold)} (truncated to the {minor_unit_name(currency)}).",
    ]
    if terms.basis == Basis.ABOVE_THRESHOLD:
        chargeable = max(0, gross_pay - threshold)
        if chargeable:
            working.append(
                f"Pay above the threshold: {money(gross_pay)} − {money(threshold)} = "
                f"{money(chargeable)}."
            )
        else:
            working.append(f"Pay {money(gross_pay)} is at or below the threshold: nothing is due.")
    else:
        chargeable = gross_pay if gross_pay >= threshold else 0
        working.append(
            f"Pay {money(gross_pay)} reaches the threshold: the rate applies to all of it."
            if chargeable
            else f"Pay {money(gross_pay)} is below the threshold: nothing is due."
        )
    due_by_rule = round_money_down_to_whole_units(chargeable, terms.rate, currency)
    if chargeable:
        working.append(
            f"{_percent(terms.rate)} of {money(chargeable)} = "
            f"{money_exact(chargeable, terms.rate, currency)}, rounded down to a whole "
            f"{unit_name(currency)}: {money(due_by_rule)}."
        )
    due, limited_by = due_by_rule, None
    if cap is not None and due > max(0, cap - repaid):
        due, limited_by = max(0, cap - repaid), "cap"
        working.append(f"Cut to what remains under the cap: {money(due)}.")
    if balance is not None and due > max(0, balance):
        due, limited_by = max(0, balance), "balance"
        working.append(f"Cut to the outstanding balance: {money(due)}.")
    return Calculation(
        currency=currency,
        basis=terms.basis,
        rate=terms.rate,
        pay_period=pay_period,
        periods_per_year=periods,
        annual_threshold=terms.annual_threshold,
        period_threshold=threshold,
        gross_pay=gross_pay,
        chargeable_pay=chargeable,
        due_by_rule=due_by_rule,
        due=due,
        limited_by=limited_by,
        working=working,
    )


def money_exact(amount: int, rate: Decimal, currency: str) -> str:
    """amount × rate before rounding, for the working only (e.g. "£60.075")."""
    exponent = CURRENCIES[currency].exponent
    value = Decimal(amount) * rate / (10**exponent)
    text = f"{value.normalize():,f}"
    whole, _, fraction = text.partition(".")
    fraction = (fraction + "0" * exponent)[: max(exponent, len(fraction))]
    return f"{CURRENCIES[currency].symbol}{whole}.{fraction}" if exponent else text


def _percent(rate: Decimal) -> str:
    return f"{(rate * 100).normalize():f} %"


def unit_name(currency: str) -> str:
    return {"GBP": "pound", "USD": "dollar", "EUR": "euro"}.get(currency, "unit")


def minor_unit_name(currency: str) -> str:
    return {"GBP": "penny", "USD": "cent", "EUR": "cent"}.get(currency, "minor unit")
