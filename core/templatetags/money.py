"""`{{ amount|money:currency }}` in templates: `123450|money:"GBP"` reads `£1,234.50`."""

from __future__ import annotations

from django import template

from core.money import format_money

register = template.Library()


@register.filter(name="money")
def money(amount: int | None, currency: str = "GBP") -> str:
    return "" if amount is None else format_money(int(amount), currency)
