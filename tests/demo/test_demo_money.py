"""The README's "Where the money is" walkthrough, against the demo: the funder's, the
provider's and the learners' money views show the figures the README quotes."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from core.money import format_money
from demo.people import (
    DEMO_PASSWORD,
    DEMO_TOTP_SECRET,
    FUNDER_OFFICER,
    LEARNER,
    LEARNER_DEFERRAL,
    PROVIDER_ADMIN,
    DemoPerson,
)
from tests.helpers import APP, post_json, totp_now

pytestmark = pytest.mark.django_db

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()


@pytest.fixture(autouse=True)
def _demo(settings: Any) -> None:
    settings.DEBUG = True  # demo_load runs only in local development
    call_command("demo_load", stdout=io.StringIO())


def _signed_in(person: DemoPerson) -> dict[str, str]:
    """Headers for the demo person, signed in as the README says (password, then TOTP)."""
    client = Client()
    credentials = {"email": person.email, "password": DEMO_PASSWORD}
    login = post_json(client, f"{APP}/auth/login", credentials)
    token = login.json()["meta"]["session_token"]
    if person.needs_mfa:
        assert login.status_code == 401
        second = post_json(
            client,
            f"{APP}/auth/2fa/authenticate",
            {"code": totp_now(DEMO_TOTP_SECRET)},
            **{"X-Session-Token": token},
        )
        assert second.status_code == 200, second.json()
        token = second.json()["meta"]["session_token"]
    return {"X-Session-Token": token}


def _get(person: DemoPerson, url: str) -> Any:
    response = Client().get(url, headers=_signed_in(person))
    assert response.status_code == 200, response.json()
    return response.json()


def _in_readme(*amounts: int) -> None:
    for amount in amounts:
        text = format_money(amount, "GBP")
        assert text in README or text.removesuffix(".00") in README, text


def test_the_funders_view_shows_the_readme_figures() -> None:
    headers = _signed_in(FUNDER_OFFICER)
    client = Client()
    programmes = client.get("/api/v1/funder/programmes", headers=headers).json()["results"]
    (west_midlands,) = [p for p in programmes if p["name"].startswith("West Midlands")]
    money = client.get(
        f"/api/v1/funder/programmes/{west_midlands['id']}/balance", headers=headers
    ).json()

    expected = {
        "funded": 200_000_000,
        "granted": 4_050_000,
        "available": 195_950_000,
        "in_pots": 1_815_000,
        "held_in_escrow": 1_282_500,
        "paid_to_providers": 952_500,
        "returned_from_holds": 165_000,
        "grants_count": 9,
        "balances": True,
    }
    assert {key: money[key] for key in expected} == expected
    spent = money["held_in_escrow"] + money["paid_to_providers"]
    assert money["granted"] == money["in_pots"] + spent
    assert [p["provider_name"] for p in money["providers"]] == ["Brum Code Academy"]
    deferral = money["deferral"]
    assert (deferral["funded"], deferral["held_in_escrow"], deferral["available"]) == (
        10_000_000,
        200_000,
        9_800_000,
    )
    _in_readme(200_000_000, 4_050_000, 195_950_000, 1_815_000, 1_282_500, 952_500, 165_000)
    _in_readme(10_000_000, 200_000)


def test_the_providers_view_shows_the_readme_figures() -> None:
    headers = _signed_in(PROVIDER_ADMIN)
    client = Client()
    (provider,) = client.get("/api/v1/providers/mine", headers=headers).json()
    earnings = client.get(f"/api/v1/providers/{provider['id']}/earnings", headers=headers).json()

    assert earnings["payable"] == {"GBP": 952_500}
    totals = earnings["totals"]
    assert (totals["held"], totals["paid"], totals["returned_to_learners"]) == (
        1_482_500,
        952_500,
        165_000,
    )
    assert sum(row["paid"] for row in earnings["cohorts"]) == totals["paid"]
    _in_readme(1_482_500, 952_500, 165_000)


def test_the_learners_views_show_the_readme_figures() -> None:
    wallet = _get(LEARNER, "/api/v1/wallet")
    assert wallet["totals"] == {"GBP": 0}
    statement = _get(LEARNER, "/api/v1/wallet/statement")["results"]
    assert statement, "Amara's statement lists her grant and what her place holds"

    (agreement,) = _get(LEARNER_DEFERRAL, "/api/v1/repayments/agreements")["results"]
    assert (agreement["status"], agreement["amount"]) == ("active", 200_000)
    _in_readme(450_000, 202_500, 200_000)
