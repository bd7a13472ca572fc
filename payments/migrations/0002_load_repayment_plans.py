"""The statutory UK student-loan plans with their thresholds for 2024-25 to 2026-27, and the
bootcamp income-share plan (docs/repayments.md has the table). Staff edit them in the admin."""

from decimal import Decimal

from django.db import migrations

STATUTORY = [
    # code, name, rate, thresholds (pounds) for 2024-25, 2025-26, 2026-27, written off after
    ("plan_1", "Plan 1", "0.09", (24_990, 26_065, 26_900), 25),
    ("plan_2", "Plan 2", "0.09", (27_295, 28_470, 29_385), 30),
    ("plan_4", "Plan 4 (Scotland)", "0.09", (31_395, 32_745, 33_795), 30),
    ("plan_5", "Plan 5", "0.09", (25_000, 25_000, 25_000), 40),
    ("postgraduate", "Postgraduate Loan", "0.06", (21_000, 21_000, 21_000), 30),
]


def load(apps, schema_editor):
    RepaymentPlan = apps.get_model("payments", "RepaymentPlan")
    PlanThreshold = apps.get_model("payments", "PlanThreshold")
    for code, name, rate, thresholds, years in STATUTORY:
        plan, _ = RepaymentPlan.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "description": (
                    "UK student-loan repayment rules: the rate applies to income above the "
                    "threshold in force for each tax year; the amount deferred is repaid "
                    "without interest (a cap of 1 × the amount) and what is left is written "
                    f"off {years} years after the April the learner was first due to repay."
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
            },
        )
        for tax_year, pounds in zip((2024, 2025, 2026), thresholds, strict=True):
            PlanThreshold.objects.update_or_create(
                plan=plan, tax_year=tax_year, defaults={"annual_threshold": pounds * 100}
            )
    bootcamp, _ = RepaymentPlan.objects.update_or_create(
        code="bootcamp_isa",
        defaults={
            "name": "Bootcamp income-share",
            "description": (
                "17 % of all income once income reaches $50,000 a year; at most $30,000 in "
                "all, at most 24 monthly payments, within 5 years of repayment starting; "
                "whatever is left then is written off. This is credit."
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
        },
    )
    PlanThreshold.objects.update_or_create(
        plan=bootcamp, tax_year=2024, defaults={"annual_threshold": 5_000_000}
    )


class Migration(migrations.Migration):
    dependencies = [("payments", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
