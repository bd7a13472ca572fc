"""Funder reports: who may read them, and figures that reconcile with the ledger to the penny."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from audit.reports.catalogue import REPORTS
from providers.models import Provider
from tests.audit.helpers import WIDE, applicant, everything_world, finished, report_url
from tests.enrolments.helpers import World, make_world
from tests.factories import (
    FunderMembershipFactory,
    ProviderMembershipFactory,
    UserFactory,
    make_programme,
)
from tests.helpers import client_for
from wallets.models import FunderMembership, LedgerAccount
from wallets.verification import ledger_verify

pytestmark = pytest.mark.django_db

NAMES = sorted(REPORTS)


def rows(response: Any) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.content
    return list(response.json()["rows"])


def csv_rows(response: Any) -> list[list[str]]:
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(text)))


def by(rows_: list[dict[str, Any]], field: str) -> dict[Any, dict[str, Any]]:
    return {row[field]: row for row in rows_}


# --- Who may read ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_another_funders_officer_gets_404_on_every_report(name: str) -> None:
    world = make_world()
    outsider = make_programme().funder.memberships.get().user
    client = client_for(outsider, mfa=True)
    for csv_ in (False, True):
        response = client.get(report_url(world.programme.pk, name, csv=csv_))
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"


@pytest.mark.parametrize("name", NAMES)
def test_an_auditor_reads_every_report_as_json_and_csv(name: str) -> None:
    world = make_world()
    auditor = FunderMembershipFactory.create(
        funder=world.programme.funder, role=FunderMembership.Role.AUDITOR
    ).user
    client = client_for(auditor, mfa=True)
    response = client.get(report_url(world.programme.pk, name), WIDE)
    assert response.status_code == 200
    assert response.json()["report"] == name
    exported = client.get(report_url(world.programme.pk, name, csv=True), WIDE)
    assert exported["Content-Type"] == "text/csv; charset=utf-8"
    assert csv_rows(exported)[0] == list(REPORTS[name].columns)


def test_learners_and_providers_are_refused_and_anonymous_must_sign_in() -> None:
    world = make_world()
    learner = world.learner()
    url = report_url(world.programme.pk, "totals")
    assert client_for(learner).get(url).status_code == 403
    assert client_for(world.provider_staff.user, mfa=True).get(url).status_code == 403
    assert client_for(world.provider_staff.user, mfa=True).get(url).json()["code"] == (
        "permission_denied"
    )
    assert APIClient().get(url).status_code == 401


def test_an_officer_without_the_second_factor_on_this_session_is_refused() -> None:
    world = make_world()
    response = client_for(world.officer).get(report_url(world.programme.pk, "totals"))
    assert response.status_code == 403
    assert response.json()["code"] in ("mfa_required", "mfa_session_required")


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"from": "2026-02-30"}, "from"),
        ({"to": "yesterday"}, "to"),
        ({"from": "2026-05-01", "to": "2026-04-30"}, "to"),
        ({"from": "1990-01-01", "to": "2026-01-01"}, "to"),
    ],
)
def test_a_bad_period_is_a_400_naming_the_field(query: dict[str, str], field: str) -> None:
    world = make_world()
    response = client_for(world.officer, mfa=True).get(
        report_url(world.programme.pk, "totals"), query
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert field in response.json()["extra"]["fields"]


# --- Figures -----------------------------------------------------------------------------------


def test_totals_reconcile_with_the_ledger_to_the_penny() -> None:
    world = everything_world()
    client = client_for(world.officer, mfa=True)
    totals = {
        row["figure"]: row["amount"]
        for row in rows(client.get(report_url(world.programme.pk, "totals"), WIDE))
    }
    # Worked out by hand: five grants of £4,000; all milestones of one place (£4,000), the
    # start (45 %: £1,800) of three others, one of them clawed back when its cohort was
    # cancelled; one pot expired unspent.
    assert totals == {
        "budget": 50_000_000,
        "funded": 50_000_000,
        "granted": 2_000_000,
        "paid_to_providers": 760_000,
        "released": 940_000,
        "clawed_back": 180_000,
        "returned_by_expiry": 400_000,
        "returned_from_escrow": 220_000 + 400_000,
        "returned_by_withdrawal": 220_000,
        "held_in_escrow": 220_000,
        "in_pots": 220_000 + 400_000,
        "remaining": 50_000_000 - 2_000_000 + 400_000,
    }
    # The balances PostgreSQL keeps agree: the budget, the pots, the holds, the provider.
    programme = world.programme
    accounts = LedgerAccount.objects.filter(owner_programme=programme)
    assert programme.budget_account.balance == totals["remaining"]
    assert (
        sum(accounts.filter(kind="wallet_pot").values_list("balance", flat=True))
        == (totals["in_pots"])
    )
    assert (
        sum(accounts.filter(kind="escrow_hold").values_list("balance", flat=True))
        == (totals["held_in_escrow"])
    )
    assert world.payable.balance == totals["paid_to_providers"]
    assert totals["funded"] == (
        totals["remaining"]
        + totals["in_pots"]
        + totals["held_in_escrow"]
        + totals["paid_to_providers"]
    )
    assert ledger_verify().ok
    # Every breakdown but skills adds up to the same paid figure.
    for name in ("spend-by-provider", "spend-by-course", "spend-by-month"):
        spend = rows(client.get(report_url(programme.pk, name), WIDE))
        assert sum(row["paid"] for row in spend) == 760_000, name
    [course] = rows(client.get(report_url(programme.pk, "spend-by-course"), WIDE))
    assert (course["label"], course["learners"], course["released"]) == (
        "Data Analyst Bootcamp",
        4,
        940_000,
    )
    month = timezone.localdate().strftime("%Y-%m")
    assert [
        row["key"] for row in rows(client.get(report_url(programme.pk, "spend-by-month"), WIDE))
    ] == [month]


def test_a_periods_flows_split_at_any_day_and_balances_are_at_its_end() -> None:
    world = everything_world()
    client = client_for(world.officer, mfa=True)
    today = timezone.localdate()
    url = report_url(world.programme.pk, "totals")

    def figures(**query: str) -> dict[str, int]:
        return {row["figure"]: row["amount"] for row in rows(client.get(url, query))}

    yesterday = (today - dt.timedelta(days=1)).isoformat()
    # Everything happened today (the database dates ledger entries): a period that ends
    # yesterday saw nothing, and its balances are those before the programme was funded.
    before = figures(**{"from": WIDE["from"], "to": yesterday})
    assert set(before.values()) == {0}
    since = figures(**{"from": today.isoformat(), "to": WIDE["to"]})
    whole = figures(**WIDE)
    assert since == whole
    assert (since["funded"], since["budget"], since["remaining"]) == (
        50_000_000,
        50_000_000,
        48_400_000,
    )
    # A period that starts tomorrow: no flows, the balances as they stand.
    tomorrow = (today + dt.timedelta(days=1)).isoformat()
    after = figures(**{"from": tomorrow, "to": WIDE["to"]})
    assert (after["granted"], after["paid_to_providers"], after["funded"]) == (0, 0, 0)
    assert (after["budget"], after["held_in_escrow"]) == (50_000_000, 220_000)


def test_learners_by_stage_and_outcomes_per_provider() -> None:
    world = everything_world()
    client = client_for(world.officer, mfa=True)
    stages = {
        row["stage"]: row["learners"]
        for row in rows(client.get(report_url(world.programme.pk, "learners-by-stage"), WIDE))
    }
    assert stages == {
        "applied": 1,
        "granted": 5,
        "enrolled": 4,
        "started": 4,
        "completed": 1,
        "outcome": 1,
        "positive_outcome": 1,
    }
    outcomes = rows(client.get(report_url(world.programme.pk, "provider-outcomes"), WIDE))
    provider, overall = outcomes
    assert provider["provider_id"] == world.course.provider_id
    assert overall["provider_id"] is None
    for row in (provider, overall):
        assert (row["enrolled"], row["started"], row["completed"], row["positive_outcomes"]) == (
            4,
            4,
            1,
            1,
        )
        assert (row["completion_rate"], row["outcome_rate"]) == ("0.2500", "1.0000")
        assert row["paid"] == 760_000
        assert (row["cost_per_completion"], row["cost_per_positive_outcome"]) == (
            760_000,
            760_000,
        )


def test_rates_and_costs_are_null_when_there_is_nothing_to_divide() -> None:
    world = make_world()
    [overall] = rows(
        client_for(world.officer, mfa=True).get(
            report_url(world.programme.pk, "provider-outcomes"), WIDE
        )
    )
    assert overall["enrolled"] == 0
    assert overall["completion_rate"] is None
    assert overall["cost_per_completion"] is None


# --- Small groups ------------------------------------------------------------------------------


def _paid_in(world: World, region: str, count: int) -> None:
    for _ in range(count):
        finished(world, applicant(world, region))


def test_regions_with_fewer_than_five_learners_are_suppressed() -> None:
    world = make_world(price=100_000, allowance=100_000, sample_rate="0", capacity=40)
    _paid_in(world, "West Midlands", 5)
    _paid_in(world, "London", 6)
    _paid_in(world, "North West", 4)
    _paid_in(world, "Wales", 1)
    spend = by(
        rows(
            client_for(world.officer, mfa=True).get(
                report_url(world.programme.pk, "spend-by-region"), WIDE
            )
        ),
        "key",
    )
    assert spend["West Midlands"]["learners"] == 5
    assert spend["West Midlands"]["paid"] == 500_000
    assert spend["London"]["suppressed"] is False
    for small in ("North West", "Wales"):
        row = spend[small]
        assert row["suppressed"] is True
        assert (row["learners"], row["enrolments"], row["paid"], row["released"]) == (
            None,
            None,
            None,
            None,
        )


def test_a_lone_small_region_takes_the_next_smallest_with_it() -> None:
    """Otherwise the hidden figure is the total less the shown rows."""
    world = make_world(price=100_000, allowance=100_000, sample_rate="0", capacity=40)
    _paid_in(world, "West Midlands", 5)
    _paid_in(world, "London", 6)
    _paid_in(world, "Wales", 2)
    spend = by(
        rows(
            client_for(world.officer, mfa=True).get(
                report_url(world.programme.pk, "spend-by-region"), WIDE
            )
        ),
        "key",
    )
    assert spend["Wales"]["suppressed"] is True
    assert spend["West Midlands"]["suppressed"] is True
    assert spend["London"]["suppressed"] is False
    assert spend["London"]["learners"] == 6


# --- CSV ---------------------------------------------------------------------------------------


def test_the_csv_has_the_json_rows_and_formula_names_are_quoted() -> None:
    world = everything_world()
    Provider.objects.filter(pk=world.course.provider_id).update(
        trading_name='=HYPERLINK("http://x")', legal_name='=HYPERLINK("http://x")'
    )
    client = client_for(world.officer, mfa=True)
    json_rows = rows(client.get(report_url(world.programme.pk, "spend-by-provider"), WIDE))
    lines = csv_rows(
        client.get(report_url(world.programme.pk, "spend-by-provider", csv=True), WIDE)
    )
    header, *data = lines
    assert header == list(REPORTS["spend-by-provider"].columns)
    [line] = data
    assert line[header.index("label")].startswith("'=")
    assert int(line[header.index("paid")]) == json_rows[0]["paid"] == 760_000
    totals = csv_rows(client.get(report_url(world.programme.pk, "totals", csv=True), WIDE))
    assert ["paid_to_providers", "760000", "GBP"] in totals


def test_a_csv_error_is_still_the_error_body() -> None:
    world = make_world()
    outsider = UserFactory.create()
    ProviderMembershipFactory.create(user=outsider)
    response = client_for(outsider, mfa=True).get(
        report_url(world.programme.pk, "totals", csv=True), HTTP_ACCEPT="text/csv"
    )
    assert response.status_code == 403
    assert b"permission_denied" in response.content
