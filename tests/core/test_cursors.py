"""Every cursor list answers a crafted cursor with 404 `not_found`, never a 500.

A cursor is opaque to clients; one that was tampered with (text where the ordering column is a
number or a date, a NUL byte, a date out of range, a huge offset, not base64 at all) was not
made by us.
"""

from __future__ import annotations

import datetime as dt
import inspect
import re
from base64 import b64encode
from typing import Any
from urllib.parse import urlencode

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient

from courses.apis.catalogue import ORDERINGS
from tests.enrolments.helpers import World, make_world
from tests.factories import ProviderMembershipFactory
from tests.helpers import client_for
from wallets.eligibility import EligibilityFacts
from wallets.services import application_submit

pytestmark = pytest.mark.django_db


def cursor(**tokens: str) -> str:
    return b64encode(urlencode(tokens).encode()).decode()


# Invalid whatever the ordering column.
CRAFTED = [
    cursor(p="\x00"),
    cursor(o="-5", p="1"),
    cursor(o="9" * 5000, p="1"),
    cursor(o="one"),
    cursor(r="maybe", p="1"),
    "!!!not base64!!!",
    b64encode(b"\xff\xfe\xfd").decode(),
]
# Invalid for a number or date column (the catalogue's title ordering takes any text).
NOT_NUMBER_OR_DATE = [
    cursor(p="not-a-number-or-date"),
    cursor(p="9" * 40),
    cursor(p="-" + "9" * 40),
    cursor(p="99999-01-01"),
    cursor(p="0000-00-00T00:00:00"),
    cursor(p="2026-13-45"),
    cursor(p="1e400"),
    cursor(p="NaN"),
    b64encode(b"p=%FF%FE").decode(),
]

# Every list that pages with a cursor, and who may read it.
LISTS = {
    "enrolments-mine": "learner",
    "provider-cohort-enrolments": "provider",
    "funder-enrolments": "officer",
    "funder-programmes": "officer",
    "funder-programme-applications": "officer",
    "funder-programme-grants": "officer",
    "wallet-statement": "learner",
    "provider-courses": "provider",
    "provider-earnings": "provider",
    "provider-payouts": "provider",
    "provider-certificates": "provider",
    "certificates-mine": "learner",
    "repayments-agreements": "learner",
    "funder-programme-repayment-agreements": "officer",
    "provider-invite": "provider admin",
    "funder-programme-providers": "officer",
    "catalogue": "anonymous",
    "audit-programme-flags": "officer",
    "audit-programme-trail": "officer",
}


@pytest.fixture
def world() -> World:
    world = make_world()
    world.offered()
    application_submit(
        actor=world.learner(funds=False),
        programme=world.programme,
        facts=EligibilityFacts(
            date_of_birth=dt.date(1990, 1, 1),
            postcode="B1 1AA",
            region="West Midlands",
            employment_status="unemployed",
            highest_qualification_level=2,
        ),
    )
    return world


def _urls(world: World) -> dict[str, tuple[str, APIClient]]:
    enrolment = world.cohort.enrolments.get()
    learner = client_for(enrolment.learner)
    provider = client_for(world.provider_staff.user, mfa=True)
    officer = client_for(world.officer, mfa=True)
    programme = world.programme.pk
    return {
        "enrolments-mine": ("/api/v1/enrolments/mine", learner),
        "provider-cohort-enrolments": (
            f"/api/v1/provider/cohorts/{world.cohort.pk}/enrolments",
            provider,
        ),
        "funder-enrolments": ("/api/v1/funder/enrolments", officer),
        "funder-programmes": ("/api/v1/funder/programmes", officer),
        "funder-programme-applications": (
            f"/api/v1/funder/programmes/{programme}/applications",
            officer,
        ),
        "funder-programme-grants": (f"/api/v1/funder/programmes/{programme}/grants", officer),
        "wallet-statement": ("/api/v1/wallet/statement", learner),
        "provider-courses": (
            f"/api/v1/providers/{world.provider_staff.provider_id}/courses",
            provider,
        ),
        "provider-earnings": (
            f"/api/v1/providers/{world.provider_staff.provider_id}/earnings",
            provider,
        ),
        "provider-payouts": (
            f"/api/v1/providers/{world.provider_staff.provider_id}/payouts",
            provider,
        ),
        "provider-certificates": ("/api/v1/provider/certificates", provider),
        "certificates-mine": ("/api/v1/certificates/mine", learner),
        "repayments-agreements": ("/api/v1/repayments/agreements", learner),
        "funder-programme-repayment-agreements": (
            f"/api/v1/funder/programmes/{programme}/repayment-agreements",
            officer,
        ),
        "provider-invite": (
            f"/api/v1/providers/{world.provider_staff.provider_id}/invitations",
            client_for(
                ProviderMembershipFactory.create(
                    provider=world.provider_staff.provider, role="admin"
                ).user,
                mfa=True,
            ),
        ),
        "funder-programme-providers": (f"/api/v1/funder/programmes/{programme}/providers", officer),
        "catalogue": ("/api/v1/courses", APIClient()),
        "audit-programme-flags": (f"/api/v1/audit/programmes/{programme}/flags", officer),
        "audit-programme-trail": (f"/api/v1/audit/programmes/{programme}/trail", officer),
    }


@pytest.mark.parametrize("name", sorted(LISTS))
def test_a_crafted_cursor_is_a_404_on_every_cursor_list(world: World, name: str) -> None:
    url, client = _urls(world)[name]
    orderings: list[str | None] = [*ORDERINGS] if name == "catalogue" else [None]
    for ordering in orderings:
        crafted_cursors = (
            CRAFTED if ordering in ("title", "-title") else CRAFTED + NOT_NUMBER_OR_DATE
        )
        for crafted in crafted_cursors:
            params = {"cursor": crafted, **({"ordering": ordering} if ordering else {})}
            response = client.get(url, params)
            assert response.status_code == 404, (name, ordering, crafted, response.content)
            assert response.json()["code"] == "not_found"
        # The list still answers afterwards (a failed query did not poison the connection).
        params = {"ordering": ordering} if ordering else {}
        assert client.get(url, params).status_code == 200


def test_the_cursor_lists_tested_here_are_all_of_them() -> None:
    """A new paginated list must join LISTS above (and so this test of crafted cursors)."""
    found = set()

    def walk(patterns: list[URLPattern | URLResolver]) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns)
                continue
            view = getattr(pattern.callback, "view_class", None)
            get = getattr(view, "get", None)
            if get is None or not pattern.name:
                continue
            source = inspect.getsource(get)
            if "paginat" in source or "enrolment_page" in source:
                found.add(pattern.name)

    walk(get_resolver().url_patterns)
    assert found == set(LISTS)


def test_every_cursor_list_is_documented_as_a_page_with_its_bad_cursor_404() -> None:
    """Found by fuzzing: the lists were documented as bare arrays, without the 404 a crafted
    cursor gets, so clients generated from the schema could not read a single page."""
    from django.test import Client
    from django.urls import Resolver404, resolve

    schema = Client().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    documented: dict[str, dict[str, Any]] = {}
    for path, item in schema["paths"].items():
        if "get" not in item:
            continue
        try:
            name = resolve(re.sub(r"\{\w+\}", "1", path)).url_name
        except Resolver404:
            continue
        if name in LISTS:
            documented[name] = item["get"]
    assert set(documented) == set(LISTS)
    components = schema["components"]["schemas"]
    for name, operation in documented.items():
        page = operation["responses"]["200"]["content"]["application/json"]["schema"]
        properties = components[page["$ref"].rsplit("/", 1)[1]]["properties"]
        assert {"next", "previous"} <= set(properties), name
        assert "404" in operation["responses"], name
        assert "cursor" in {p["name"] for p in operation.get("parameters", [])}, name
