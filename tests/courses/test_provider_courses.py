"""Providers manage their own courses and cohorts; everything else is a 404."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from courses.models import Cohort, Course
from tests.factories import CohortFactory, CourseFactory, ProviderMembershipFactory
from tests.helpers import client_for

pytestmark = pytest.mark.django_db

COURSE = {
    "title": "Cloud Engineering Bootcamp",
    "summary": "AWS and Azure foundations with Terraform.",
    "skills": ["cloud", "devops"],
    "level": 5,
    "mode": "blended",
    "region": "West Midlands",
    "guided_learning_hours": 240,
    "length_weeks": 14,
    "price": 500_000,
    "status": "published",
}


def test_staff_create_a_course_and_a_cohort_which_appear_in_the_catalogue() -> None:
    staff = ProviderMembershipFactory.create(role="staff")
    client = client_for(staff.user, mfa=True)
    response = client.post(f"/api/v1/providers/{staff.provider_id}/courses", COURSE, format="json")
    assert response.status_code == 201, response.json()
    course_id = response.json()["id"]
    start = timezone.localdate() + dt.timedelta(days=21)
    response = client.post(
        f"/api/v1/provider/courses/{course_id}/cohorts",
        {
            "start_date": str(start),
            "end_date": str(start + dt.timedelta(weeks=14)),
            "application_deadline": str(start - dt.timedelta(days=3)),
            "capacity": 16,
            "location": "Coventry",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    catalogue = APIClient().get("/api/v1/courses", {"skill": "cloud"}).json()["results"]
    assert [c["id"] for c in catalogue] == [course_id]
    assert catalogue[0]["upcoming_cohorts"][0]["seats_left"] == 16


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"price": -1}, "price"),
        ({"level": 2}, "level"),
        ({"level": 8}, "level"),
        ({"skills": ["basket-weaving"]}, "skills"),
        ({"mode": "telepathy"}, "mode"),
        ({"title": ""}, "title"),
    ],
)
def test_bad_course_input_is_refused(change: dict, field: str) -> None:
    staff = ProviderMembershipFactory.create()
    response = client_for(staff.user, mfa=True).post(
        f"/api/v1/providers/{staff.provider_id}/courses", {**COURSE, **change}, format="json"
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] in {"invalid", "unknown_skill"}
    if body["code"] == "invalid":
        assert field in body["extra"]["fields"]
    else:
        assert body["extra"]["unknown"] == ["basket-weaving"]
    assert not Course.objects.exists()


def test_cohort_dates_and_capacity_rules() -> None:
    member = ProviderMembershipFactory.create()
    course = CourseFactory.create(provider=member.provider)
    client = client_for(member.user, mfa=True)
    start = timezone.localdate() + dt.timedelta(days=30)
    base = {
        "start_date": str(start),
        "end_date": str(start + dt.timedelta(days=60)),
        "application_deadline": str(start - dt.timedelta(days=1)),
        "capacity": 10,
        "online": True,
    }
    response = client.post(
        f"/api/v1/provider/courses/{course.pk}/cohorts",
        {**base, "end_date": str(start - dt.timedelta(days=1))},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_dates"
    assert "end_date" in response.json()["extra"]["fields"]
    response = client.post(
        f"/api/v1/provider/courses/{course.pk}/cohorts",
        {**base, "application_deadline": str(start + dt.timedelta(days=1))},
        format="json",
    )
    assert response.status_code == 400
    response = client.post(
        f"/api/v1/provider/courses/{course.pk}/cohorts", {**base, "online": False}, format="json"
    )
    assert response.status_code == 400
    assert "location" in response.json()["extra"]["fields"]
    response = client.post(
        f"/api/v1/provider/courses/{course.pk}/cohorts", {**base, "capacity": 0}, format="json"
    )
    assert response.status_code == 400

    cohort = CohortFactory.create(course=course, capacity=10)
    Cohort.objects.filter(pk=cohort.pk).update(seats_taken=8)  # as if eight learners had accepted
    url = f"/api/v1/provider/cohorts/{cohort.pk}"
    assert client.patch(url, {"capacity": 12}, format="json").json()["capacity"] == 12
    response = client.patch(url, {"capacity": 7}, format="json")
    assert response.status_code == 422
    assert response.json()["code"] == "capacity_below_seats_taken"
    assert response.json()["extra"] == {"seats_taken": 8, "capacity": 7}
    cohort.refresh_from_db()
    assert cohort.capacity == 12
    assert client.patch(url, {"capacity": 8}, format="json").json()["status"] == "full"
    assert client.patch(url, {"capacity": 9}, format="json").json()["status"] == "open"


def test_another_providers_courses_and_cohorts_are_404() -> None:
    mine = ProviderMembershipFactory.create()
    theirs = CohortFactory.create()
    client = client_for(mine.user, mfa=True)
    assert client.get(f"/api/v1/provider/courses/{theirs.course_id}").status_code == 404
    assert (
        client.patch(
            f"/api/v1/provider/courses/{theirs.course_id}", {"price": 1}, format="json"
        ).status_code
        == 404
    )
    assert client.get(f"/api/v1/provider/courses/{theirs.course_id}/cohorts").status_code == 404
    assert (
        client.patch(
            f"/api/v1/provider/cohorts/{theirs.pk}", {"capacity": 99}, format="json"
        ).status_code
        == 404
    )
    assert client.get(f"/api/v1/providers/{theirs.course.provider_id}/courses").status_code == 404
    assert (
        client.post(
            f"/api/v1/providers/{theirs.course.provider_id}/courses", COURSE, format="json"
        ).status_code
        == 404
    )
    theirs.refresh_from_db()
    assert theirs.capacity == 20
