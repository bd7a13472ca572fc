"""Money helpers: the supported currencies, the one rounding point for money × rate, and
how amounts read to people.

Amounts are integers in minor units with an ISO 4217 currency everywhere (code, database,
JSON). `Decimal` is used only for rates, and money × rate is rounded only in
`round_money_down`, or in `round_money_down_to_whole_units` where a rule says so explicitly
(repayments are "rounded down to a whole pound").
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction


@dataclass(frozen=True)
class Currency:
    code: str
    symbol: str
    exponent: int  # digits after the decimal point: 2 for pence and cents


CURRENCIES: dict[str, Currency] = {
    "GBP": Currency("GBP", "£", 2),
    "EUR": Currency("EUR", "€", 2),
    "USD": Currency("USD", "$", 2),
}
CURRENCY_CHOICES = [(code, code) for code in CURRENCIES]
DEFAULT_CURRENCY = "GBP"
# Far beyond any real budget (ten trillion pounds) and far inside PostgreSQL's bigint.
MAX_AMOUNT = 10**15


def is_supported_currency(code: object) -> bool:
    return isinstance(code, str) and code in CURRENCIES


def round_money_down(amount: int, rate: Decimal | Fraction) -> int:
    """THE rounding point for money × rate: whole minor units, rounded down (never overpays).

    Exact: the product is computed as a fraction (a `Decimal` rate converts exactly), so
    nothing is rounded before this point, and 1/3 of 100 pence is 33, not 33.000…1 → 33.
    """
    return math.floor(Fraction(amount) * Fraction(rate))


def round_money_down_to_whole_units(amount: int, rate: Decimal | Fraction, currency: str) -> int:
    """money × rate rounded down to a whole currency unit (£1, $1), returned in minor units.

    The rounding point for rules that say "rounded down to a whole pound" (repayments):
    `round_money_down_to_whole_units(66750, Decimal("0.09"), "GBP")` is 6000 (£60), not 6007.
    Exact, like `round_money_down`.
    """
    unit = 10 ** CURRENCIES[currency].exponent
    return math.floor(Fraction(amount) * Fraction(rate) / unit) * unit


def format_money(amount: int, currency: str) -> str:
    """`123450, "GBP"` → `£1,234.50`; negative amounts read `-£12.00`. For people, never JSON."""
    spec = CURRENCIES.get(currency) or Currency(currency, f"{currency} ", 2)
    sign = "-" if amount < 0 else ""
    units, minor = divmod(abs(amount), 10**spec.exponent)
    text = f"{units:,}"
    if spec.exponent:
        text += f".{minor:0{spec.exponent}d}"
    return f"{sign}{spec.symbol}{text}"
