"""Strict input fields every API uses: amounts, currencies and names.

- `AmountField`: integer minor units, bounded. In a JSON body only a JSON integer (not a
  boolean, not a float such as `1e3` or `1000.0`, not a string); in query strings and CSV
  cells, where every value is text, only ASCII digits (`"１００"`, `"١٠٠"`, `"5_000"`,
  `" 100 "`, `"+100"` and `"100.0"` are refused, although Python's `int()` reads them all).
  CSV files go through the same `parse_amount`.
- `CurrencyField`: one of the supported currencies (`core.money.CURRENCIES`).
- `NameField`: a one-line name (of a person, an organisation, a programme, a course, a
  place) without control characters, line breaks or bidirectional overrides, so that it can
  go into an email subject, a CSV export or a log line as it is.
"""

from __future__ import annotations

import re
from typing import Any

from rest_framework import serializers

from core.money import CURRENCIES, CURRENCY_CHOICES, MAX_AMOUNT

_ASCII_DIGITS = re.compile(r"[0-9]+")
_MAX_DIGITS = len(str(MAX_AMOUNT))


class AmountError(ValueError):
    """An amount that is not a whole number of minor units within the allowed bounds."""


def parse_amount(
    value: object,
    *,
    min_value: int = 0,
    max_value: int = MAX_AMOUNT,
    allow_string: bool = False,
) -> int:
    """THE reading of an amount from outside: an `int` (never a `bool` or `float`), or with
    `allow_string` a string of ASCII digits only; between `min_value` and `max_value`."""
    if isinstance(value, int) and not isinstance(value, bool):
        amount = value
    elif allow_string and isinstance(value, str):
        if not _ASCII_DIGITS.fullmatch(value):
            raise AmountError("Enter a whole number of minor units in digits 0-9, such as 12500.")
        if len(value) > _MAX_DIGITS:
            raise AmountError(f"Enter an amount between {min_value} and {max_value}.")
        amount = int(value)
    elif allow_string:
        raise AmountError("Enter a whole number of minor units in digits 0-9, such as 12500.")
    else:
        raise AmountError("Enter a whole number of minor units as a JSON integer, such as 12500.")
    if not min_value <= amount <= max_value:
        raise AmountError(f"Enter an amount between {min_value} and {max_value}.")
    return amount


class AmountField(serializers.IntegerField):
    """An amount in minor units; see the module docstring. `allow_string` for query strings
    and form fields only."""

    def __init__(
        self,
        *,
        min_value: int = 0,
        max_value: int = MAX_AMOUNT,
        allow_string: bool = False,
        **kwargs: Any,
    ) -> None:
        if not 0 <= min_value <= max_value <= MAX_AMOUNT:
            raise ValueError("An amount's bounds lie within 0 and core.money.MAX_AMOUNT.")
        self.allow_string = allow_string
        self.amount_bounds = (min_value, max_value)
        kwargs.setdefault("help_text", "Minor units (pence, cents), an integer.")
        super().__init__(min_value=min_value, max_value=max_value, **kwargs)

    def to_internal_value(self, data: Any) -> int:
        low, high = self.amount_bounds
        try:
            return parse_amount(data, min_value=low, max_value=high, allow_string=self.allow_string)
        except AmountError as exc:
            raise serializers.ValidationError(str(exc), code="invalid_amount") from exc


class CurrencyField(serializers.ChoiceField):
    """An ISO 4217 code among the supported currencies."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("help_text", f"ISO 4217: one of {', '.join(CURRENCIES)}.")
        super().__init__(choices=CURRENCY_CHOICES, **kwargs)
        self.error_messages["invalid_choice"] = (
            f"Unsupported currency: use one of {', '.join(CURRENCIES)}."
        )


# Control characters (C0, DEL, C1), line and paragraph separators, and the bidirectional
# embeddings, overrides and isolates that make text display in another order than stored.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def refuse_control_characters(value: str) -> None:
    """Validator for one-line names: no control characters, line breaks or bidi overrides."""
    if _CONTROL.search(value):
        raise serializers.ValidationError(
            "Use letters, digits, spaces and punctuation only: no line breaks, tabs or "
            "control characters.",
            code="control_characters",
        )


class NameField(serializers.CharField):
    """A one-line name: trimmed, and refused when it holds control characters."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 200)
        super().__init__(**kwargs)
        self.validators.append(refuse_control_characters)
