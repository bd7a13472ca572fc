"""The demo loads idempotently and its learner logs in through the headless API."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from courses.models import Course
from demo.people import DEMO_PASSWORD, DEMO_TOTP_SECRET, LEARNER, PEOPLE, PROVIDER_ADMIN
from enrolments.models import Enrolment
from payments.models import ProgrammeDeferral, RepaymentAgreement
from tests.helpers import APP, BROWSER, post_json, totp_now
from users.models import User
from wallets.models import FundingProgramme, Grant, ProgrammeApplication
from wallets.verification import ledger_verify

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _debug_on(settings: Any) -> None:
    settings.DEBUG = True  # demo_load runs only in local development


def test_demo_load_refuses_without_debug(settings: Any) -> None:
    settings.DEBUG = False
    with pytest.raises(CommandError, match="only with DEBUG on"):
        call_command("demo_load", stdout=io.StringIO())
    assert not User.objects.filter(email__in=[p.email for p in PEOPLE]).exists()


def test_demo_load_twice_keeps_one_of_everything() -> None:
    call_command("demo_load", stdout=io.StringIO())
    call_command("demo_load", stdout=io.StringIO())
    assert User.objects.filter(email__in=[p.email for p in PEOPLE]).count() == len(PEOPLE)
    west_midlands = FundingProgramme.objects.get(name__startswith="West Midlands")
    # Funded once (£2m), one £4,500 grant out of it, however often the demo is loaded.
    assert west_midlands.budget_account.balance == 200_000_000 - 9 * 450_000
    assert Grant.objects.count() == 10
    stages = set(Enrolment.objects.values_list("status", flat=True))
    assert {
        "applied",
        "offered",
        "accepted",
        "started",
        "completed",
        "outcome_recorded",
        "withdrawn",
    } <= stages
    assert ProgrammeApplication.objects.filter(status="submitted").count() == 1
    assert ledger_verify().ok
    assert Course.objects.count() == 8
    # Marcus defers £2,000 of the £6,500 cloud bootcamp, once: a signed Plan 2 agreement
    # drawn into the enrolment's deferral hold; the deferral budget paid exactly that.
    agreement = RepaymentAgreement.objects.get()
    assert (agreement.status, agreement.amount) == ("active", 200_000)
    assert agreement.plan.code == "plan_2"
    deferral = ProgrammeDeferral.objects.get(programme=west_midlands)
    assert deferral.budget_account.balance == 10_000_000 - 200_000
    enrolment = agreement.enrolment
    assert (enrolment.status, enrolment.wallet_part, enrolment.deferred_part) == (
        "accepted",
        450_000,
        200_000,
    )


def test_demo_catalogue_is_served_publicly() -> None:
    call_command("demo_load", stdout=io.StringIO())
    courses = Client().get("/api/v1/courses").json()["results"]
    titles = {course["title"] for course in courses}
    assert "Full-Stack Web Development Bootcamp" in titles
    assert "Digital Marketing in 6 Weeks" not in titles  # its provider is still pending approval
    programme = FundingProgramme.objects.get(name__startswith="West Midlands")
    funded = Client().get("/api/v1/courses", {"funded_by": programme.pk}).json()["results"]
    assert {c["provider_name"] for c in funded} == {"Brum Code Academy", "Shield Cyber School"}


def test_demo_learner_logs_in_through_the_browser_api() -> None:
    call_command("demo_load", stdout=io.StringIO())
    client = Client()
    response = post_json(
        client, f"{BROWSER}/auth/login", {"email": LEARNER.email, "password": DEMO_PASSWORD}
    )
    assert response.status_code == 200
    me = client.get("/api/v1/me").json()
    assert me["email"] == LEARNER.email
    assert me["roles"] == ["learner"]
    assert client.get("/api/v1/wallet").json()["totals"] == {"GBP": 0}  # all held for her bootcamp
    enrolments = client.get("/api/v1/enrolments/mine").json()["results"]
    assert [(e["course_title"], e["status"]) for e in enrolments] == [
        ("Full-Stack Web Development Bootcamp", "started")
    ]


def test_demo_provider_admin_logs_in_with_the_printed_totp_secret() -> None:
    call_command("demo_load", stdout=io.StringIO())
    client = Client()
    response = post_json(
        client, f"{APP}/auth/login", {"email": PROVIDER_ADMIN.email, "password": DEMO_PASSWORD}
    )
    assert response.status_code == 401
    pending = {"X-Session-Token": response.json()["meta"]["session_token"]}
    response = post_json(
        client, f"{APP}/auth/2fa/authenticate", {"code": totp_now(DEMO_TOTP_SECRET)}, **pending
    )
    assert response.status_code == 200
    token = response.json()["meta"]["session_token"]
    providers = client.get("/api/v1/providers/mine", headers={"X-Session-Token": token}).json()
    assert [p["trading_name"] for p in providers] == ["Brum Code Academy"]


def test_the_demo_offers_callum_a_place_with_a_card_co_payment() -> None:
    out = io.StringIO()
    call_command("demo_load", stdout=out)
    call_command("demo_load", stdout=io.StringIO())
    callum = User.objects.get(email="learner.tees@demo.skillswallet.example")
    enrolment = Enrolment.objects.get(learner=callum)
    assert enrolment.status == "offered"
    assert enrolment.cohort.course.title == "Cloud Security Essentials"
    # Tees Valley's 10 % co-payment of £2,500, the rest from his £3,000 pot.
    assert (enrolment.price, enrolment.co_payment, enrolment.wallet_part) == (
        250_000,
        25_000,
        225_000,
    )
    assert f"/payments/checkout/{enrolment.pk}" in out.getvalue()
