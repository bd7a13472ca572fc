"""The repayment plans every installation starts with: the statutory UK student-loan plans
(thresholds for 2024-25 to 2026-27) and the bootcamp income-share plan. Loaded by migration
0002; staff maintain them in the admin afterwards (docs/repayments.md has the table)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

# code, name, rate, annual thresholds in pounds for 2024-25, 2025-26, 2026-27, written off after
STATUTORY = [
    ("plan_1", "Plan 1", "0.09", (24_990, 26_065, 26_900), 25),
    ("plan_2", "Plan 2", "0.09", (27_295, 28_470, 29_385), 30),
    ("plan_4", "Plan 4 (Scotland)", "0.09", (31_395, 32_745, 33_795), 30),
    ("plan_5", "Plan 5", "0.09", (25_000, 25_000, 25_000), 40),
    ("postgraduate", "Postgraduate Loan", "0.06", (21_000, 21_000, 21_000), 30),
]
STATUTORY_TAX_YEARS = (2024, 2025, 2026)


def _statutory(name: str, rate: str, years: int) -> dict[str, Any]:
    return {
        "name": name,
        "description": (
            "UK student-loan repayment rules: the rate applies to income above the threshold "
            "in force for each tax year; the amount deferred is repaid without interest (a cap "
            "of 1 × the amount) and what is left is written off "
            f"{years} years after the April the learner was first due to repay."
        ),
        "statutory": True,
        "basis": "above_threshold",
        "rate": Decimal(rate),
        "currency": "GBP",
        "cap_kind": "multiple",
        "cap_multiple": Decimal("1"),
        "cap_amount": None,
        "max_payments": None,
        "term_years": years,
        "write_off_rule": "from_april_after_first_due",
        "threshold_rule": "by_tax_year",
    }


BOOTCAMP = {
    "name": "Bootcamp income-share",
    "description": (
        "17 % of all income once income reaches $50,000 a year; at most $30,000 in all, at "
        "most 24 monthly payments, within 5 years of repayment starting; whatever is left "
        "then is written off. This is credit."
    ),
    "statutory": False,
    "basis": "whole_income",
    "rate": Decimal("0.17"),
    "currency": "USD",
    "cap_kind": "absolute",
    "cap_multiple": None,
    "cap_amount": 3_000_000,
    "max_payments": 24,
    "term_years": 5,
    "write_off_rule": "from_repayment_start",
    "threshold_rule": "fixed_at_signing",
}
BOOTCAMP_THRESHOLD = (2024, 5_000_000)  # from 2024-25, fixed for each agreement at signing


def ensure_repayment_plans(plan_model: Any = None, threshold_model: Any = None) -> None:
    """Create the plans and thresholds above that are missing; never changes existing ones.

    The migration passes its historical models; tests call it after a transactional test
    emptied the tables.
    """
    if plan_model is None or threshold_model is None:
        from payments.models import PlanThreshold, RepaymentPlan

        plan_model, threshold_model = RepaymentPlan, PlanThreshold
    wanted: list[tuple[str, dict[str, Any], list[tuple[int, int]]]] = [
        (
            code,
            _statutory(name, rate, years),
            [(y, pounds * 100) for y, pounds in zip(STATUTORY_TAX_YEARS, thresholds, strict=True)],
        )
        for code, name, rate, thresholds, years in STATUTORY
    ]
    wanted.append(("bootcamp_isa", BOOTCAMP, [BOOTCAMP_THRESHOLD]))
    for code, fields, thresholds in wanted:
        plan, _ = plan_model.objects.get_or_create(code=code, defaults=fields)
        for tax_year, annual in thresholds:
            threshold_model.objects.get_or_create(
                plan=plan, tax_year=tax_year, defaults={"annual_threshold": annual}
            )
