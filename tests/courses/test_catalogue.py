"""The public catalogue: search, filters, ordering, funding, approval effects, query count."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from providers.models import Provider
from providers.services import provider_set_status
from tests.factories import (
    CohortFactory,
    CourseFactory,
    ProviderFactory,
    UserFactory,
    make_programme,
)
from wallets.services import grant_create, programme_approve_provider

pytestmark = pytest.mark.django_db


def _ids(response: Any) -> list[int]:
    assert response.status_code == 200, response.json()
    return [course["id"] for course in response.json()["results"]]


@pytest.fixture
def catalogue() -> dict:
    today = timezone.localdate()
    brum = ProviderFactory.create(legal_name="Brum Code Academy Ltd")
    tees = ProviderFactory.create(legal_name="Teesside Data Academy Ltd")
    pending = ProviderFactory.create(legal_name="Not Yet Approved Ltd", status="pending")
    courses = {
        "web": CourseFactory.create(
            provider=brum,
            title="Full-Stack Web Development Bootcamp",
            summary="JavaScript, React and Node.",
            skills=["software-development", "web-development"],
            level=4,
            mode="in_person",
            region="West Midlands",
            price=450_000,
        ),
        "data": CourseFactory.create(
            provider=tees,
            title="Data Analyst Bootcamp",
            summary="SQL, Python and Power BI for analysts.",
            skills=["data"],
            level=4,
            mode="blended",
            region="Tees Valley",
            price=350_000,
        ),
        "cyber": CourseFactory.create(
            provider=brum,
            title="Cyber Security Fundamentals",
            summary="Networks, threats and SOC skills.",
            skills=["cyber-security"],
            level=3,
            mode="online",
            region="Online (nationwide)",
            price=200_000,
        ),
        "draft": CourseFactory.create(
            provider=brum, title="Draft Data Course", skills=["data"], status="draft"
        ),
        "pending": CourseFactory.create(
            provider=pending, title="Data Science Course", skills=["data"]
        ),
    }
    CohortFactory.create(
        course=courses["web"],
        start_date=today + dt.timedelta(days=40),
        online=False,
        location="Digbeth, Birmingham",
    )
    CohortFactory.create(course=courses["data"], start_date=today + dt.timedelta(days=10))
    CohortFactory.create(course=courses["data"], start_date=today + dt.timedelta(days=100))
    CohortFactory.create(course=courses["cyber"], start_date=today + dt.timedelta(days=70))
    return {"today": today, "brum": brum, "tees": tees, **courses}


def test_only_published_courses_of_approved_providers_appear(catalogue: dict) -> None:
    ids = _ids(APIClient().get("/api/v1/courses"))
    assert set(ids) == {catalogue["web"].pk, catalogue["data"].pk, catalogue["cyber"].pk}
    # Ordered by the next start date by default.
    assert ids == [catalogue["data"].pk, catalogue["web"].pk, catalogue["cyber"].pk]


def test_search_matches_title_summary_and_skills(catalogue: dict) -> None:
    client = APIClient()
    assert _ids(client.get("/api/v1/courses", {"q": "react"})) == [catalogue["web"].pk]
    assert _ids(client.get("/api/v1/courses", {"q": "analyst"})) == [catalogue["data"].pk]
    assert _ids(client.get("/api/v1/courses", {"q": "cyber"})) == [catalogue["cyber"].pk]
    assert _ids(client.get("/api/v1/courses", {"q": "underwater basket weaving"})) == []


def test_filters(catalogue: dict) -> None:
    client = APIClient()
    today = catalogue["today"]
    assert _ids(client.get("/api/v1/courses", {"skill": "data"})) == [catalogue["data"].pk]
    assert set(_ids(client.get("/api/v1/courses", {"level": 4}))) == {
        catalogue["web"].pk,
        catalogue["data"].pk,
    }
    assert _ids(client.get("/api/v1/courses", {"mode": "online"})) == [catalogue["cyber"].pk]
    assert _ids(client.get("/api/v1/courses", {"region": "Tees Valley"})) == [catalogue["data"].pk]
    assert _ids(client.get("/api/v1/courses", {"price_min": 300_000, "price_max": 400_000})) == [
        catalogue["data"].pk
    ]
    window = {
        "start_from": str(today + dt.timedelta(days=30)),
        "start_to": str(today + dt.timedelta(days=80)),
    }
    assert _ids(client.get("/api/v1/courses", window)) == [
        catalogue["web"].pk,
        catalogue["cyber"].pk,
    ]
    # The data course's second cohort (day 100) is outside this window; its first is before it.
    assert catalogue["data"].pk not in _ids(client.get("/api/v1/courses", window))


def test_ordering_by_price_and_title(catalogue: dict) -> None:
    client = APIClient()
    assert _ids(client.get("/api/v1/courses", {"ordering": "price"})) == [
        catalogue["cyber"].pk,
        catalogue["data"].pk,
        catalogue["web"].pk,
    ]
    assert _ids(client.get("/api/v1/courses", {"ordering": "-title"})) == [
        catalogue["web"].pk,
        catalogue["data"].pk,
        catalogue["cyber"].pk,
    ]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"skill": "knitting"}, "skill"),
        ({"level": 9}, "level"),
        ({"mode": "carrier-pigeon"}, "mode"),
        ({"region": "Atlantis"}, "region"),
        ({"price_min": -1}, "price_min"),
        ({"price_min": 500, "price_max": 100}, "price_max"),
        ({"start_from": "2027-02-01", "start_to": "2027-01-01"}, "start_to"),
        ({"start_from": "not-a-date"}, "start_from"),
        ({"funded_by": 999999}, "funded_by"),
        ({"ordering": "popularity"}, "ordering"),
    ],
)
def test_bad_filter_values_get_the_error_body(catalogue: dict, params: dict, field: str) -> None:
    response = APIClient().get("/api/v1/courses", params)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert field in body["extra"]["fields"]


def test_funded_by_lists_allowed_courses_and_shows_wallet_funds(catalogue: dict) -> None:
    programme = make_programme(allowance=400_000, allowed_levels=[4])
    officer = programme.funder.memberships.get().user
    programme_approve_provider(actor=officer, programme=programme, provider=catalogue["brum"])
    # Brum's level-4 web course qualifies; its level-3 cyber course does not; Tees isn't approved.
    assert _ids(APIClient().get("/api/v1/courses", {"funded_by": programme.pk})) == [
        catalogue["web"].pk
    ]

    learner = UserFactory.create()
    grant_create(actor=officer, programme=programme, learner=learner)
    client = APIClient()
    client.force_authenticate(learner)
    results = client.get("/api/v1/courses", {"ordering": "title"}).json()["results"]
    funds = {course["id"]: course["wallet_funds_available"] for course in results}
    assert funds == {
        catalogue["cyber"].pk: 0,
        catalogue["data"].pk: 0,
        catalogue["web"].pk: 400_000,
    }
    anonymous = APIClient().get("/api/v1/courses").json()["results"]
    assert {course["wallet_funds_available"] for course in anonymous} == {None}


def test_suspending_a_provider_removes_its_courses(catalogue: dict) -> None:
    staff = UserFactory.create(is_staff=True)
    provider_set_status(
        actor=staff,
        provider=catalogue["brum"],
        status=Provider.Status.SUSPENDED,
        reason="Complaints under review",
    )
    assert _ids(APIClient().get("/api/v1/courses")) == [catalogue["data"].pk]
    assert APIClient().get(f"/api/v1/courses/{catalogue['web'].pk}").status_code == 404
    provider_set_status(
        actor=staff, provider=catalogue["brum"], status=Provider.Status.APPROVED, reason="Resolved"
    )
    assert catalogue["web"].pk in _ids(APIClient().get("/api/v1/courses"))


def test_query_count_does_not_grow_with_page_size(catalogue: dict) -> None:
    brum = catalogue["brum"]
    for n in range(25):
        course = CourseFactory.create(provider=brum, title=f"Extra course {n}")
        CohortFactory.create(course=course)
        CohortFactory.create(
            course=course, start_date=catalogue["today"] + dt.timedelta(days=90 + n)
        )
    learner = UserFactory.create()
    client = APIClient()
    client.force_authenticate(learner)
    counts = []
    for size in (2, 20):
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/api/v1/courses", {"page_size": size})
        assert len(response.json()["results"]) == size
        counts.append(len(queries))
    assert counts[0] == counts[1]
    assert counts[1] <= 6


def test_cursor_pages_walk_the_whole_catalogue_once(catalogue: dict) -> None:
    for n in range(7):
        CohortFactory.create(
            course=CourseFactory.create(provider=catalogue["tees"], title=f"Course {n:02d}")
        )
    client = APIClient()
    seen: list[int] = []
    url: str | None = "/api/v1/courses?page_size=3&ordering=title"
    while url:
        page = client.get(url).json()
        seen.extend(course["id"] for course in page["results"])
        url = page["next"]
    assert len(seen) == len(set(seen)) == 10
