"""The disclosure a learner reads and signs before deferring: its content (JSON), the SHA-256
of its canonical form (what the learner signs), and its PDF rendering with WeasyPrint.

The content is built by a pure function from the terms; the PDF shows exactly that content
and prints its hash. Rendering reads only our own files (the template and the fonts under
static/fonts/): the URL fetcher refuses everything else, so nothing is fetched over the
network.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from django.conf import settings
from django.template.loader import render_to_string

from core.money import CURRENCIES, format_money
from payments.calculator import (
    Basis,
    PayPeriod,
    PlanTerms,
    minor_unit_name,
    repayment_due,
    tax_year_label,
    unit_name,
)
from payments.schedule import (
    add_months,
    annual_percentage_rate,
    months_between,
    period_end,
    period_label,
)

VERSION = 1
VALID_FOR = dt.timedelta(days=30)
# Worked examples: annual incomes this many whole currency units from the threshold.
EXAMPLE_OFFSETS = (-5_000, 10_000, 30_000)

CREDIT_NOTICE = (
    "This agreement is credit. You receive the deferred amount now, paid to the training "
    "provider for you, and repay it later out of your income. Depending on your income you "
    "may repay more than you deferred, up to the cap shown; the APR shows what that costs "
    "as a yearly rate."
)
APR_METHOD = (
    "The APR is the yearly rate that makes the payments worth exactly the amount deferred "
    "on the day it is advanced: the monthly rate i solves amount = sum of payment / "
    "(1 + i)^t, where t is each payment's time in months after the advance (whole months "
    "plus odd days / 30); APR = 12 x i. It is found by bisection (US Regulation Z, "
    "Appendix J, actuarial method, with a month as the unit period). Each example assumes "
    "the same income every month from the first month of repayment, each payment made on "
    "the first day of the following month."
)


@dataclass(frozen=True)
class DisclosureTerms:
    """Everything the disclosure states, fixed when it is issued."""

    issued_on: dt.date
    learner_name: str
    learner_email: str
    course_title: str
    provider_name: str
    course_starts_on: dt.date
    course_ends_on: dt.date
    programme_name: str
    funder_name: str
    currency: str
    amount: int
    plan_code: str
    plan_name: str
    basis: Basis
    rate: Decimal
    annual_threshold: int
    threshold_tax_year: int
    threshold_fixed: bool
    cap: int
    max_payments: int | None
    term_years: int
    repayment_starts_on: dt.date
    write_off_on: dt.date


def _payment_stream(terms: DisclosureTerms, monthly_payment: int) -> list[tuple[dt.date, int]]:
    """The payments at a steady income: until the cap, the payment limit or the term's end."""
    stream: list[tuple[dt.date, int]] = []
    paid, period = 0, terms.repayment_starts_on
    while period_end(period) < terms.write_off_on and paid < terms.cap and monthly_payment > 0:
        if terms.max_payments is not None and len(stream) >= terms.max_payments:
            break
        amount = min(monthly_payment, terms.cap - paid)
        stream.append((add_months(period, 1), amount))
        paid += amount
        period = add_months(period, 1)
    return stream


def _example(terms: DisclosureTerms, annual_income: int) -> dict[str, Any]:
    monthly_income = annual_income // 12
    calculation = repayment_due(
        terms=PlanTerms(terms.basis, terms.rate, terms.annual_threshold, terms.currency),
        pay_period=PayPeriod.MONTHLY,
        gross_pay=monthly_income,
    )
    stream = _payment_stream(terms, calculation.due_by_rule)
    total = sum(amount for _, amount in stream)
    apr = annual_percentage_rate(advance=terms.amount, advance_on=terms.issued_on, payments=stream)
    return {
        "annual_income": annual_income,
        "monthly_income": monthly_income,
        "monthly_payment": calculation.due_by_rule,
        "payments": len(stream),
        "total_paid": total,
        "last_payment_on": stream[-1][0].isoformat() if stream else None,
        "written_off": max(0, terms.amount - total),
        "apr_percent": str(apr) if apr is not None else None,
    }


def disclosure_content(terms: DisclosureTerms) -> dict[str, Any]:
    """The disclosure as JSON-ready data (amounts in minor units, rates as strings)."""
    unit = 10 ** CURRENCIES[terms.currency].exponent
    examples = [
        _example(terms, max(0, terms.annual_threshold + offset * unit))
        for offset in EXAMPLE_OFFSETS
    ]
    fastest_on = add_months(terms.repayment_starts_on, 1)
    fastest_apr = annual_percentage_rate(
        advance=terms.amount, advance_on=terms.issued_on, payments=[(fastest_on, terms.cap)]
    )
    return {
        "title": "Deferred fee agreement: what you are agreeing to",
        "version": VERSION,
        "issued_on": terms.issued_on.isoformat(),
        "valid_until": (terms.issued_on + VALID_FOR).isoformat(),
        "learner": {"name": terms.learner_name, "email": terms.learner_email},
        "course": {
            "title": terms.course_title,
            "provider": terms.provider_name,
            "starts_on": terms.course_starts_on.isoformat(),
            "ends_on": terms.course_ends_on.isoformat(),
        },
        "programme": {"name": terms.programme_name, "funder": terms.funder_name},
        "currency": terms.currency,
        "amount_deferred": terms.amount,
        "plan": {
            "code": terms.plan_code,
            "name": terms.plan_name,
            "basis": terms.basis.value,
            "rate": str(terms.rate),
        },
        "threshold": {
            "annual": terms.annual_threshold,
            "monthly": terms.annual_threshold // 12,
            "tax_year": tax_year_label(terms.threshold_tax_year),
            "fixed_for_the_agreement": terms.threshold_fixed,
        },
        "cap": terms.cap,
        "max_payments": terms.max_payments,
        "term_years": terms.term_years,
        "repayment_starts_on": terms.repayment_starts_on.isoformat(),
        "write_off_on": terms.write_off_on.isoformat(),
        "months_in_term": months_between(terms.repayment_starts_on, terms.write_off_on),
        "worked_examples": examples,
        "apr_if_cap_reached_fastest": {
            "apr_percent": str(fastest_apr) if fastest_apr is not None else None,
            "payments": 1,
            "paid_on": fastest_on.isoformat(),
            "amount": terms.cap,
            "assumption": (
                "The whole cap paid in one payment for the first month of repayment "
                f"({period_label(terms.repayment_starts_on)}), the soonest it can be paid."
            ),
        },
        "is_credit": True,
        "credit_notice": CREDIT_NOTICE,
        "apr_method": APR_METHOD,
    }


def canonical(content: dict[str, Any]) -> bytes:
    """The exact bytes that are hashed: sorted keys, no spaces, UTF-8."""
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def content_sha256(content: dict[str, Any]) -> str:
    return hashlib.sha256(canonical(content)).hexdigest()


# --- The PDF --------------------------------------------------------------------------------

FONTS_DIR = Path(settings.BASE_DIR) / "static" / "fonts"
TEMPLATE = "payments/disclosure.html"


def _local_only_fetcher() -> Any:
    """A WeasyPrint URL fetcher that serves only files under static/fonts/ and refuses the
    rest (other schemes, other paths) by stopping the rendering."""
    # WeasyPrint loads Pango when imported: only processes that render PDFs pay for it.
    from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

    root = FONTS_DIR.resolve()

    class LocalFontsOnly(URLFetcher):
        def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:  # noqa: ARG002 (WeasyPrint's signature)
            parsed = urlparse(url)
            path = Path(unquote(parsed.path)).resolve() if parsed.scheme == "file" else None
            if path is None or not path.is_relative_to(root) or not path.is_file():
                raise FatalURLFetchingError(f"Refused to fetch {url!r}: only our own fonts.")
            return URLFetcherResponse(url, body=path.read_bytes())

    return LocalFontsOnly(allowed_protocols=("file",), fail_on_errors=True)


def _money(amount: int | None, currency: str) -> str:
    return "" if amount is None else format_money(amount, currency)


def _view(content: dict[str, Any], sha256: str) -> dict[str, Any]:
    """The content with amounts formatted for people (the figures are the JSON's)."""
    currency = content["currency"]
    rate = Decimal(content["plan"]["rate"])
    examples = [
        {
            **example,
            "annual_income_text": _money(example["annual_income"], currency),
            "monthly_income_text": _money(example["monthly_income"], currency),
            "monthly_payment_text": _money(example["monthly_payment"], currency),
            "total_paid_text": _money(example["total_paid"], currency),
            "written_off_text": _money(example["written_off"], currency),
        }
        for example in content["worked_examples"]
    ]
    return {
        "c": content,
        "sha256": sha256,
        "fonts_url": FONTS_DIR.resolve().as_uri() + "/",
        "rate_percent": f"{(rate * 100).normalize():f}",
        "amount_text": _money(content["amount_deferred"], currency),
        "cap_text": _money(content["cap"], currency),
        "threshold_text": _money(content["threshold"]["annual"], currency),
        "monthly_threshold_text": _money(content["threshold"]["monthly"], currency),
        "examples": examples,
        "whole_income": content["plan"]["basis"] == Basis.WHOLE_INCOME,
        "unit_name": unit_name(currency),
        "minor_unit_name": minor_unit_name(currency),
    }


def render_disclosure_pdf(content: dict[str, Any], sha256: str) -> bytes:
    """Render the disclosure PDF. Slow and outside any transaction: run it after commit."""
    from weasyprint import HTML

    html = render_to_string(TEMPLATE, _view(content, sha256))
    document = HTML(
        string=html, base_url=FONTS_DIR.resolve().as_uri() + "/", url_fetcher=_local_only_fetcher()
    )
    pdf: bytes = document.write_pdf()
    return pdf
