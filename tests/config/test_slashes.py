"""API paths answer with or without a trailing slash; the document lists them without."""

import pytest
from django.test import Client

from payments.plans_data import ensure_repayment_plans


@pytest.mark.django_db
def test_a_post_to_a_slashed_api_path_reaches_the_unslashed_operation() -> None:
    ensure_repayment_plans()
    body = {"plan": "plan_2", "tax_year": "2024-25", "pay_period": "monthly", "gross_pay": 240000}
    for path in ("/api/v1/repayments/calculate", "/api/v1/repayments/calculate/"):
        response = Client().post(path, body, content_type="application/json")
        assert response.status_code == 200, (path, response.json())
        assert response.json()["due"] == 1100


@pytest.mark.django_db
def test_an_unknown_slashed_path_is_still_a_404_with_the_error_body() -> None:
    response = Client().get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert response.json()["extra"]["path"] == "/api/v1/no-such-thing/"


def test_pages_outside_the_api_keep_their_own_slashes() -> None:
    response = Client().get("/accounts/login")
    assert response.status_code in {301, 404}
