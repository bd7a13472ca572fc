"""Staff keep the repayment plans up to date in the admin: a new tax year's threshold, a
rate; plans cannot be deleted and agreements cannot be edited there."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from payments.models import PlanThreshold, RepaymentPlan
from tests.factories import UserFactory
from tests.helpers import admin_client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff() -> Client:
    return admin_client_for(UserFactory.create(is_staff=True, is_superuser=True))


def plan_form(plan: RepaymentPlan, **changes: Any) -> dict[str, Any]:
    thresholds = list(plan.thresholds.order_by("tax_year"))
    data: dict[str, Any] = {
        "name": plan.name,
        "description": plan.description,
        "statutory": "on" if plan.statutory else "",
        "basis": plan.basis,
        "rate": str(plan.rate),
        "currency": plan.currency,
        "cap_kind": plan.cap_kind,
        "cap_multiple": str(plan.cap_multiple or ""),
        "cap_amount": plan.cap_amount or "",
        "max_payments": plan.max_payments or "",
        "term_years": plan.term_years,
        "write_off_rule": plan.write_off_rule,
        "threshold_rule": plan.threshold_rule,
        "active": "on",
        "thresholds-TOTAL_FORMS": len(thresholds) + 1,
        "thresholds-INITIAL_FORMS": len(thresholds),
        "thresholds-MIN_NUM_FORMS": 0,
        "thresholds-MAX_NUM_FORMS": 1000,
    }
    for index, threshold in enumerate(thresholds):
        data[f"thresholds-{index}-id"] = threshold.pk
        data[f"thresholds-{index}-plan"] = plan.pk
        data[f"thresholds-{index}-tax_year"] = threshold.tax_year
        data[f"thresholds-{index}-annual_threshold"] = threshold.annual_threshold
    data.update(changes)
    return data


def test_staff_add_a_new_tax_years_threshold(staff: Client) -> None:
    plan = RepaymentPlan.objects.get(code="plan_2")
    url = f"/admin/payments/repaymentplan/{plan.pk}/change/"
    assert staff.get(url).status_code == 200
    index = plan.thresholds.count()
    response = staff.post(
        url,
        plan_form(
            plan,
            **{
                f"thresholds-{index}-plan": plan.pk,
                f"thresholds-{index}-tax_year": 2027,
                f"thresholds-{index}-annual_threshold": 3_000_000,
            },
        ),
    )
    assert response.status_code == 302, response.content[:2000]
    assert PlanThreshold.objects.get(plan=plan, tax_year=2027).annual_threshold == 3_000_000


def test_an_inconsistent_cap_is_refused_with_a_message(staff: Client) -> None:
    plan = RepaymentPlan.objects.get(code="bootcamp_isa")
    url = f"/admin/payments/repaymentplan/{plan.pk}/change/"
    response = staff.post(url, plan_form(plan, cap_amount="", rate="0.2"))
    assert response.status_code == 200  # the form again, with the error
    assert b"A multiple cap needs a multiple and no amount" in response.content
    plan.refresh_from_db()
    assert plan.cap_amount == 3_000_000
    assert str(plan.rate) == "0.1700"


def test_plans_are_not_deleted_and_agreements_are_read_only(staff: Client) -> None:
    plan = RepaymentPlan.objects.get(code="plan_1")
    assert staff.get(f"/admin/payments/repaymentplan/{plan.pk}/delete/").status_code == 403
    assert staff.get("/admin/payments/repaymentagreement/").status_code == 200
    assert staff.get("/admin/payments/repaymentagreement/add/").status_code == 403
