"""Hostile bulk-grant CSVs get a 4xx with the error body and grant nothing."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from tests.core.test_strict_amounts import HOSTILE_TEXT
from tests.factories import UserFactory, make_programme
from tests.helpers import client_for
from wallets.models import FundingProgramme, Grant, LedgerAccount

pytestmark = pytest.mark.django_db


@pytest.fixture
def programme() -> FundingProgramme:
    return make_programme(budget=1_000_000, allowance=300_000)


@pytest.fixture
def officer(programme: FundingProgramme) -> APIClient:
    return client_for(programme.funder.memberships.get().user, mfa=True)


def _upload(officer: APIClient, programme: FundingProgramme, csv_text: str, **extra: object) -> Any:
    url = f"/api/v1/funder/programmes/{programme.pk}/grants/bulk"
    return officer.post(url, {"csv": csv_text, **extra}, format="json")


def _nothing_granted(programme: FundingProgramme) -> None:
    assert not Grant.objects.exists()
    assert LedgerAccount.objects.get(pk=programme.budget_account_id).balance == 1_000_000


@pytest.mark.parametrize("amount", HOSTILE_TEXT)
def test_a_row_with_a_hostile_amount_is_reported_and_nothing_is_granted(
    programme: FundingProgramme, officer: APIClient, amount: str
) -> None:
    UserFactory.create(email="ok@example.org")
    UserFactory.create(email="hostile@example.org")
    csv_text = f'email,amount\nok@example.org,100\nhostile@example.org,"{amount}"\n'
    response = _upload(officer, programme, csv_text)
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["code"] == "bulk_grant_has_errors"
    assert body["extra"]["report"]["errors"] == [
        {
            "line": 3,
            "email": "hostile@example.org",
            "reason": "amount must be a whole number of pence from 1 to 300000",
        }
    ]
    _nothing_granted(programme)


def test_a_field_longer_than_the_csv_limit_is_a_400(
    programme: FundingProgramme, officer: APIClient
) -> None:
    UserFactory.create(email="ok@example.org")
    csv_text = "email,amount\nok@example.org,100\n" + "x" * 140_000 + "@example.org,5\n"
    response = _upload(officer, programme, csv_text)
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "invalid"
    assert "line 3" in body["detail"]
    _nothing_granted(programme)


def test_amounts_of_ascii_digits_are_granted(
    programme: FundingProgramme, officer: APIClient
) -> None:
    learner = UserFactory.create(email="ok@example.org")
    other = UserFactory.create(email="other@example.org")
    csv_text = "email,amount\nok@example.org,00100\nother@example.org,\n"
    response = _upload(officer, programme, csv_text)
    assert response.status_code == 201, response.content
    assert response.json()["granted_total"] == 100 + 300_000
    assert Grant.objects.get(learner=learner).amount == 100
    assert Grant.objects.get(learner=other).amount == 300_000
