"""Amounts are ASCII digits in integer minor units, bounded, and currencies are supported ones.

Every amount input is tried with each hostile value the review found accepted somewhere:
full-width and Arabic-Indic digits, exponents, underscores, padding, signs, decimals and
floats. Each is a 400 naming the field, and nothing changes.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from urllib.parse import quote

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from core.fields import AmountError, parse_amount
from core.money import CURRENCIES, MAX_AMOUNT
from courses.models import Course
from enrolments.models import Enrolment
from tests.enrolments.helpers import held, make_world
from tests.factories import CourseFactory, ProviderMembershipFactory, make_programme
from tests.helpers import client_for
from tests.wallets.ledger_helpers import external, new_account
from wallets.errors import CurrencyMismatch
from wallets.ledger import account_create, ledger_post
from wallets.models import FundingProgramme, Grant, LedgerAccount, LedgerTransaction

pytestmark = pytest.mark.django_db

# Raw JSON fragments: `1e3` and `1000.0` must reach the server as written.
HOSTILE_JSON = [
    '"１００"',  # full-width digits
    '"١٠٠"',  # Arabic-Indic digits
    "1e3",
    '"5_000"',
    '" 100 "',
    '"+100"',
    '"100.0"',
    "1000.0",
    '"100"',  # a string where the JSON API takes a number
    "true",
    "-1",
    '""',
    "null",
    str(MAX_AMOUNT + 1),
]
# Where strings are inevitable (query strings, CSV cells), the same values as text.
HOSTILE_TEXT = [
    "１００",
    "١٠٠",
    "1e3",
    "5_000",
    " 100 ",
    "+100",
    "100.0",
    "1000.0",
    "-1",
    "²",
    "0x10",
    "1" * 5000,
    str(MAX_AMOUNT + 1),
]


def post_raw(
    client: APIClient, method: str, url: str, body: dict[str, Any], field: str, raw: str
) -> Any:
    """Send `body` with `field` set to the raw JSON text `raw`."""
    text = json.dumps({**body, field: "@@RAW@@"}).replace('"@@RAW@@"', raw)
    return getattr(client, method)(url, text, content_type="application/json")


def assert_refused(response: Any, field: str) -> None:
    assert response.status_code == 400, (field, response.status_code, response.content)
    body = response.json()
    assert body["code"] == "invalid"
    assert field in body["extra"]["fields"], body


# --- The parsing function ---------------------------------------------------------------------


@pytest.mark.parametrize("value", [0, 1, 12_500, MAX_AMOUNT])
def test_integers_within_bounds_are_amounts(value: int) -> None:
    assert parse_amount(value) == value


@pytest.mark.parametrize("value", ["0", "12500", "000125", str(MAX_AMOUNT)])
def test_ascii_digit_strings_are_amounts_where_strings_are_allowed(value: str) -> None:
    assert parse_amount(value, allow_string=True) == int(value)


@pytest.mark.parametrize(
    "value", [True, False, 1000.0, 1e-3, None, "100", [], {}, -1, MAX_AMOUNT + 1, 10**400]
)
def test_anything_but_a_bounded_integer_is_refused_in_json(value: Any) -> None:
    with pytest.raises(AmountError):
        parse_amount(value)


@pytest.mark.parametrize("value", [*HOSTILE_TEXT, "", "1\n", "١", "𝟏𝟎𝟎"])
def test_anything_but_ascii_digits_is_refused_as_text(value: str) -> None:
    with pytest.raises(AmountError):
        parse_amount(value, allow_string=True)


def test_bounds_are_the_callers() -> None:
    assert parse_amount(5, min_value=1, max_value=5) == 5
    for value in (0, 6):
        with pytest.raises(AmountError, match="between 1 and 5"):
            parse_amount(value, min_value=1, max_value=5)


# --- JSON API inputs --------------------------------------------------------------------------


@pytest.fixture
def programme() -> FundingProgramme:
    return make_programme(budget=1_000_000, allowance=300_000)


@pytest.fixture
def officer(programme: FundingProgramme) -> APIClient:
    return client_for(programme.funder.memberships.get().user, mfa=True)


def programme_body(programme: FundingProgramme) -> dict[str, Any]:
    today = timezone.localdate()
    return {
        "funder_id": programme.funder_id,
        "name": "Tees Valley Skills",
        "opens_on": str(today),
        "closes_on": str(today + dt.timedelta(days=90)),
        "allowance": 250_000,
    }


@pytest.mark.parametrize("raw", HOSTILE_JSON)
@pytest.mark.parametrize("field", ["budget_target", "allowance", "co_payment_flat"])
def test_programme_amounts_are_strict_on_create_and_update(
    programme: FundingProgramme, officer: APIClient, field: str, raw: str
) -> None:
    before = FundingProgramme.objects.count()
    url = "/api/v1/funder/programmes"
    assert_refused(post_raw(officer, "post", url, programme_body(programme), field, raw), field)
    assert FundingProgramme.objects.count() == before
    url = f"/api/v1/funder/programmes/{programme.pk}"
    assert_refused(post_raw(officer, "patch", url, {}, field, raw), field)
    programme.refresh_from_db()
    assert (programme.allowance, programme.budget_target, programme.co_payment_flat) == (
        300_000,
        0,
        0,
    )


def test_programme_amounts_accept_json_integers(
    programme: FundingProgramme, officer: APIClient
) -> None:
    body = {**programme_body(programme), "budget_target": 5_000_000, "co_payment_flat": 10_000}
    response = officer.post("/api/v1/funder/programmes", body, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["allowance"] == 250_000


@pytest.mark.parametrize("raw", HOSTILE_JSON)
def test_funding_amount_is_strict(
    programme: FundingProgramme, officer: APIClient, raw: str
) -> None:
    url = f"/api/v1/funder/programmes/{programme.pk}/fund"
    assert_refused(post_raw(officer, "post", url, {}, "amount", raw), "amount")
    budget = LedgerAccount.objects.get(pk=programme.budget_account_id)
    assert budget.balance == 1_000_000


@pytest.mark.parametrize("raw", HOSTILE_JSON)
def test_grant_amount_is_strict(programme: FundingProgramme, officer: APIClient, raw: str) -> None:
    learner = ProviderMembershipFactory.create().user  # any existing account
    url = f"/api/v1/funder/programmes/{programme.pk}/grants"
    body = {"learner_email": learner.email}
    assert_refused(post_raw(officer, "post", url, body, "amount", raw), "amount")
    assert not Grant.objects.exists()


@pytest.mark.parametrize("raw", HOSTILE_JSON)
def test_course_price_is_strict_on_create_and_update(raw: str) -> None:
    staff = ProviderMembershipFactory.create(role="staff")
    client = client_for(staff.user, mfa=True)
    course = CourseFactory.create(provider=staff.provider, price=300_000)
    body = {
        "title": "Cloud Engineering Bootcamp",
        "summary": "AWS and Azure foundations.",
        "level": 5,
        "mode": "blended",
        "region": "West Midlands",
        "guided_learning_hours": 240,
        "length_weeks": 14,
    }
    url = f"/api/v1/providers/{staff.provider_id}/courses"
    assert_refused(post_raw(client, "post", url, body, "price", raw), "price")
    url = f"/api/v1/provider/courses/{course.pk}"
    assert_refused(post_raw(client, "patch", url, {}, "price", raw), "price")
    assert list(Course.objects.values_list("price", flat=True)) == [300_000]


@pytest.mark.parametrize("raw", HOSTILE_JSON)
def test_deferred_part_of_an_acceptance_is_strict(raw: str) -> None:
    world = make_world()
    enrolment = world.offered()
    client = client_for(enrolment.learner)
    url = f"/api/v1/enrolments/{enrolment.pk}/accept"
    assert_refused(post_raw(client, "post", url, {}, "deferred_part", raw), "deferred_part")
    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.OFFERED
    assert held(enrolment) == 0


# --- Query filters ----------------------------------------------------------------------------


@pytest.mark.parametrize("text", HOSTILE_TEXT)
@pytest.mark.parametrize("field", ["price_min", "price_max"])
def test_catalogue_price_range_is_strict(field: str, text: str) -> None:
    CourseFactory.create(price=100)
    response = APIClient().get(f"/api/v1/courses?{field}={quote(text)}")
    assert_refused(response, field)


def test_catalogue_price_range_takes_ascii_digits() -> None:
    cheap = CourseFactory.create(price=100)
    CourseFactory.create(price=1_000)
    response = APIClient().get("/api/v1/courses?price_min=0&price_max=100")
    assert response.status_code == 200
    assert [c["id"] for c in response.json()["results"]] == [cheap.pk]


# --- Currencies -------------------------------------------------------------------------------


@pytest.mark.parametrize("currency", ["ZZZ", "gbp", "GBP ", "", "XTS", 826, None])
def test_programmes_take_only_supported_currencies(
    programme: FundingProgramme, officer: APIClient, currency: Any
) -> None:
    body = {**programme_body(programme), "currency": currency}
    response = officer.post("/api/v1/funder/programmes", body, format="json")
    assert_refused(response, "currency")
    assert FundingProgramme.objects.count() == 1


@pytest.mark.parametrize("currency", sorted(CURRENCIES))
def test_programmes_in_each_supported_currency(
    programme: FundingProgramme, officer: APIClient, currency: str
) -> None:
    body = {**programme_body(programme), "currency": currency}
    response = officer.post("/api/v1/funder/programmes", body, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["currency"] == currency


def test_the_ledger_refuses_unsupported_currencies() -> None:
    accounts = LedgerAccount.objects.count()
    with pytest.raises(CurrencyMismatch):
        account_create(key="test:zzz", kind="wallet_pot", name="Zed", currency="ZZZ")
    assert LedgerAccount.objects.count() == accounts
    source, target = external(), new_account()
    with pytest.raises(CurrencyMismatch):
        ledger_post(kind="transfer", currency="ZZZ", lines=[(source, -100), (target, 100)])
    assert not LedgerTransaction.objects.exists()
