"""The repayment calculator: every published example through the pure function and the public
endpoint, its refusals, and properties that hold for any pay (Hypothesis)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from core.money import round_money_down_to_whole_units
from payments.calculator import (
    Basis,
    PayPeriod,
    PlanTerms,
    parse_tax_year,
    period_threshold,
    repayment_due,
    tax_year_of,
)
from payments.models import PlanThreshold, RepaymentPlan

EXAMPLES = json.loads((Path(__file__).parent / "data" / "repayment_examples.json").read_text())
URL = "/api/v1/repayments/calculate"


def statutory_terms(plan: str, tax_year: str) -> PlanTerms:
    """The plan's terms as loaded by the migration (the data the endpoint uses too)."""
    row = RepaymentPlan.objects.get(code=plan)
    start = parse_tax_year(tax_year)
    assert start is not None
    threshold = PlanThreshold.objects.get(plan=row, tax_year=start)
    return PlanTerms(Basis(row.basis), row.rate, threshold.annual_threshold, row.currency)


def calculate(client: APIClient, body: Any) -> Any:
    return client.post(URL, body, format="json")


# --- The published examples ---------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "example", EXAMPLES["examples"], ids=lambda e: f"{e['plan']}-{e['tax_year']}-{e['pay']}"
)
def test_every_statutory_example_through_the_function(example: dict[str, Any]) -> None:
    calculation = repayment_due(
        terms=statutory_terms(example["plan"], example["tax_year"]),
        pay_period=PayPeriod(example["pay_period"]),
        gross_pay=example["pay"] * 100,
    )
    assert calculation.due == example["due"] * 100
    assert calculation.currency == "GBP"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "example", EXAMPLES["examples"], ids=lambda e: f"{e['plan']}-{e['tax_year']}-{e['pay']}"
)
def test_every_statutory_example_through_the_endpoint(
    api_client: APIClient, example: dict[str, Any]
) -> None:
    response = calculate(
        api_client,
        {
            "plan": example["plan"],
            "tax_year": example["tax_year"],
            "pay_period": example["pay_period"],
            "gross_pay": example["pay"] * 100,
        },
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["due"] == example["due"] * 100
    assert body["currency"] == "GBP"
    assert body["plan"] == example["plan"]
    assert body["tax_year"] == example["tax_year"]
    assert body["working"]


def test_the_bootcamp_example_through_the_function() -> None:
    example = EXAMPLES["bootcamp_example"]
    terms = PlanTerms(
        Basis(example["basis"]),
        Decimal(example["rate"]),
        example["annual_threshold"] * 100,
        example["currency"],
    )
    calculation = repayment_due(
        terms=terms,
        pay_period=PayPeriod.MONTHLY,
        gross_pay=example["monthly_income"] * 100,
        cap=example["cap"] * 100,
    )
    assert calculation.due == example["due"] * 100
    assert calculation.period_threshold == 416_666  # $50,000 ÷ 12, truncated to the cent


@pytest.mark.django_db
def test_the_bootcamp_example_through_the_endpoint_as_an_explicit_plan(
    api_client: APIClient,
) -> None:
    example = EXAMPLES["bootcamp_example"]
    response = calculate(
        api_client,
        {
            "basis": example["basis"],
            "rate": example["rate"],
            "annual_threshold": example["annual_threshold"] * 100,
            "currency": example["currency"],
            "pay_period": "monthly",
            "gross_pay": example["monthly_income"] * 100,
            "cap": example["cap"] * 100,
        },
    )
    assert response.status_code == 200, response.json()
    assert response.json()["due"] == example["due"] * 100
    assert response.json()["currency"] == "USD"


@pytest.mark.django_db
def test_the_bootcamp_plan_loaded_by_the_migration_gives_the_published_figure(
    api_client: APIClient,
) -> None:
    response = calculate(
        api_client,
        {
            "plan": "bootcamp_isa",
            "tax_year": "2026-27",
            "pay_period": "monthly",
            "gross_pay": 500000,
        },
    )
    assert response.status_code == 200, response.json()
    assert response.json()["due"] == 85_000


@pytest.mark.django_db
def test_the_issue_example_answers_the_period_threshold_and_how_it_was_worked_out(
    api_client: APIClient,
) -> None:
    response = calculate(
        api_client,
        {"plan": "plan_2", "tax_year": "2024-25", "pay_period": "monthly", "gross_pay": 240000},
    )
    body = response.json()
    assert body["currency"] == "GBP"
    assert body["period_threshold"] == 227458
    assert body["due"] == 1100
    assert body["chargeable_pay"] == 240000 - 227458
    assert body["due_by_rule"] == 1100
    assert body["limited_by"] is None
    assert body["working"] == [
        "Period threshold: £27,295.00 ÷ 12 = £2,274.58 (truncated to the penny).",
        "Pay above the threshold: £2,400.00 − £2,274.58 = £125.42.",
        "9 % of £125.42 = £11.2878, rounded down to a whole pound: £11.00.",
    ]


def test_pay_periods_divide_the_annual_threshold() -> None:
    assert {p.value: period_threshold(2_729_500, p) for p in PayPeriod} == {
        "weekly": 52_490,
        "fortnightly": 104_980,
        "four_weekly": 209_961,
        "monthly": 227_458,
        "quarterly": 682_375,
        "annual": 2_729_500,
    }


def test_whole_income_applies_the_rate_to_all_pay_once_it_reaches_the_threshold() -> None:
    terms = PlanTerms(Basis.WHOLE_INCOME, Decimal("0.17"), 5_000_000, "USD")
    at = repayment_due(terms=terms, pay_period=PayPeriod.MONTHLY, gross_pay=416_666)
    below = repayment_due(terms=terms, pay_period=PayPeriod.MONTHLY, gross_pay=416_665)
    assert at.due == 70_800  # 17 % of $4,166.66 = $708.33, down to $708
    assert below.due == 0


def test_a_payment_is_cut_to_the_cap_and_to_the_balance() -> None:
    terms = PlanTerms(Basis.WHOLE_INCOME, Decimal("0.17"), 5_000_000, "USD")
    capped = repayment_due(
        terms=terms,
        pay_period=PayPeriod.MONTHLY,
        gross_pay=500_000,
        cap=3_000_000,
        repaid=2_950_000,
    )
    assert (capped.due, capped.limited_by) == (50_000, "cap")
    owing = repayment_due(
        terms=terms, pay_period=PayPeriod.MONTHLY, gross_pay=500_000, balance=12_345
    )
    assert (owing.due, owing.limited_by) == (12_345, "balance")


def test_tax_years_start_on_the_sixth_of_april() -> None:
    import datetime as dt

    assert tax_year_of(dt.date(2025, 4, 5)) == 2024
    assert tax_year_of(dt.date(2025, 4, 6)) == 2025
    assert parse_tax_year("2024-25") == 2024
    assert parse_tax_year("1999-00") == 1999
    assert parse_tax_year("2024-26") is None
    assert parse_tax_year("２０２４-25") is None


def test_the_named_rounding_points() -> None:
    assert round_money_down_to_whole_units(66_750, Decimal("0.09"), "GBP") == 6_000
    assert round_money_down_to_whole_units(11_100, Decimal("1"), "GBP") == 11_100
    assert round_money_down_to_whole_units(1, Decimal("100"), "USD") == 100
    assert round_money_down_to_whole_units(6_999_999, Decimal("0.17"), "USD") == 1_189_900


# --- Refusals: 400 with the error body, never a 500 ----------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        ({"plan": "plan_9", "tax_year": "2024-25"}, "unknown_plan", None),
        ({"plan": "plan_2", "tax_year": "2023-24"}, "threshold_not_found", None),
        ({"plan": "plan_2", "tax_year": "2031-32"}, "threshold_not_found", None),
        ({"plan": "plan_2", "tax_year": "2024-26"}, "invalid", "tax_year"),
        ({"plan": "plan_2"}, "invalid", "tax_year"),
        ({"plan": "plan_2", "tax_year": "2024-25", "gross_pay": -1}, "invalid", "gross_pay"),
        ({"plan": "plan_2", "tax_year": "2024-25", "gross_pay": 2400.5}, "invalid", "gross_pay"),
        ({"plan": "plan_2", "tax_year": "2024-25", "gross_pay": 240000.0}, "invalid", "gross_pay"),
        ({"plan": "plan_2", "tax_year": "2024-25", "gross_pay": "240000"}, "invalid", "gross_pay"),
        ({"plan": "plan_2", "tax_year": "2024-25", "gross_pay": True}, "invalid", "gross_pay"),
        ({"plan": "plan_2", "tax_year": "2024-25", "gross_pay": 10**13}, "invalid", "gross_pay"),
        ({"plan": "plan_2", "tax_year": "2024-25", "pay_period": "daily"}, "invalid", "pay_period"),
        ({"plan": "plan_2", "tax_year": "2024-25", "rate": "0.5"}, "invalid", "rate"),
        (
            {"basis": "whole_income", "rate": "0.17", "currency": "USD"},
            "invalid",
            "annual_threshold",
        ),
        (
            {"basis": "whole_income", "rate": "1.5", "annual_threshold": 1, "currency": "USD"},
            "invalid",
            "rate",
        ),
        (
            {"basis": "flat", "rate": "0.1", "annual_threshold": 1, "currency": "USD"},
            "invalid",
            "basis",
        ),
        (
            {"basis": "whole_income", "rate": "0.1", "annual_threshold": 1, "currency": "JPY"},
            "invalid",
            "currency",
        ),
    ],
)
def test_bad_input_gets_a_400_with_the_error_body(
    api_client: APIClient, body: dict[str, Any], code: str, field: str | None
) -> None:
    payload = {"pay_period": "monthly", "gross_pay": 240000, **body}
    response = calculate(api_client, payload)
    assert response.status_code == 400
    error = response.json()
    assert error["code"] == code
    assert error["detail"]
    if field:
        assert field in error["extra"]["fields"]


@pytest.mark.django_db
def test_a_body_that_is_not_json_is_refused(api_client: APIClient) -> None:
    response = api_client.post(URL, "plan=plan_2", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 415
    response = api_client.post(URL, "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


@pytest.mark.django_db
def test_the_calculator_needs_no_login_and_is_documented_without_auth(
    api_client: APIClient,
) -> None:
    schema = api_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    operation = schema["paths"]["/api/v1/repayments/calculate"]["post"]
    assert operation["security"] == []  # no authentication: anyone may call it
    assert "security" not in schema
    assert "400" in operation["responses"]


@pytest.mark.django_db
def test_the_plans_are_listed_with_their_thresholds(api_client: APIClient) -> None:
    plans = {p["code"]: p for p in api_client.get("/api/v1/repayments/plans").json()}
    assert set(plans) == {"plan_1", "plan_2", "plan_4", "plan_5", "postgraduate", "bootcamp_isa"}
    assert plans["plan_4"]["thresholds"] == [
        {"tax_year": "2024-25", "annual_threshold": 3_139_500},
        {"tax_year": "2025-26", "annual_threshold": 3_274_500},
        {"tax_year": "2026-27", "annual_threshold": 3_379_500},
    ]
    assert plans["bootcamp_isa"]["cap_amount"] == 3_000_000
    assert plans["bootcamp_isa"]["max_payments"] == 24


# --- Properties -----------------------------------------------------------------------------

rates = st.decimals(min_value=Decimal("0.0001"), max_value=Decimal("1"), places=4)
amounts = st.integers(min_value=0, max_value=10**11)


@settings(max_examples=300, deadline=None)
@given(
    basis=st.sampled_from(list(Basis)),
    rate=rates,
    annual=amounts,
    currency=st.sampled_from(["GBP", "USD", "EUR"]),
    period=st.sampled_from(list(PayPeriod)),
    pay=amounts,
    cap=st.none() | amounts,
    repaid=amounts,
    balance=st.none() | amounts,
)
def test_due_is_never_negative_never_above_rate_times_income_never_past_the_cap(
    basis: Basis,
    rate: Decimal,
    annual: int,
    currency: str,
    period: PayPeriod,
    pay: int,
    cap: int | None,
    repaid: int,
    balance: int | None,
) -> None:
    if cap is not None:
        repaid = min(repaid, cap)  # what has been paid never exceeds the cap already
    calculation = repayment_due(
        terms=PlanTerms(basis, rate, annual, currency),
        pay_period=period,
        gross_pay=pay,
        cap=cap,
        repaid=repaid,
        balance=balance,
    )
    assert calculation.due >= 0
    assert calculation.due <= rate * pay
    assert calculation.due % 100 == 0 or calculation.limited_by is not None
    if cap is not None:
        assert repaid + calculation.due <= cap
    if balance is not None:
        assert calculation.due <= balance
    threshold = period_threshold(annual, period)
    if pay < threshold or (basis == Basis.ABOVE_THRESHOLD and pay <= threshold):
        assert calculation.due == 0


@settings(max_examples=200, deadline=None)
@given(rate=rates, annual=amounts, period=st.sampled_from(list(PayPeriod)), data=st.data())
def test_nothing_is_due_at_or_below_the_threshold_above_threshold_basis(
    rate: Decimal, annual: int, period: PayPeriod, data: st.DataObject
) -> None:
    threshold = period_threshold(annual, period)
    pay = data.draw(st.integers(min_value=0, max_value=threshold))
    calculation = repayment_due(
        terms=PlanTerms(Basis.ABOVE_THRESHOLD, rate, annual, "GBP"),
        pay_period=period,
        gross_pay=pay,
    )
    assert calculation.due == 0
