"""Names refuse control characters at input, and emails never carry an injected header."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone
from rest_framework.test import APIClient

from core.emails import one_line, send_plain_email
from core.fields import NameField
from courses.models import Cohort, Course
from providers.models import Provider, ProviderInvitation
from tests.factories import (
    CohortFactory,
    CourseFactory,
    ProviderMembershipFactory,
    UserFactory,
    make_programme,
)
from tests.helpers import client_for
from wallets.models import FundingProgramme

pytestmark = pytest.mark.django_db

HOSTILE_NAMES = [
    "Evil Ltd\nBcc: everyone@example.org",
    "Evil Ltd\r\nSubject: pay now",
    "Tab\tseparated",
    "Escape \x1b[31mred",
    "Right-to-left \u202eoverride",
    "Line\u2028separator",
    "Bell\x07",
    "C1 \x85 next line",
]


def assert_refused(response: Any, field: str) -> None:
    assert response.status_code == 400, (field, response.status_code, response.content)
    body = response.json()
    assert body["code"] == "invalid"
    assert field in body["extra"]["fields"], body


@pytest.mark.parametrize("value", HOSTILE_NAMES)
def test_the_name_field_refuses_control_characters(value: str) -> None:
    field = NameField()
    with pytest.raises(Exception, match="control characters"):
        field.run_validation(value)


@pytest.mark.parametrize(
    "value", ["Zoë O'Brien-Łukasiewicz", "محمد علي", "李小龍", "Ada (Lovelace) & Co., Ltd."]
)
def test_the_name_field_takes_names_in_any_script(value: str) -> None:
    assert NameField().run_validation(f"  {value}  ") == value


@pytest.mark.parametrize("value", HOSTILE_NAMES)
def test_a_users_name_refuses_control_characters(value: str) -> None:
    user = UserFactory.create(full_name="Ada Lovelace")
    response = client_for(user).patch("/api/v1/me", {"full_name": value}, format="json")
    assert_refused(response, "full_name")
    user.refresh_from_db()
    assert user.full_name == "Ada Lovelace"


@pytest.mark.parametrize("value", HOSTILE_NAMES)
@pytest.mark.parametrize("field", ["legal_name", "trading_name", "address_line_1", "town"])
def test_provider_names_refuse_control_characters(field: str, value: str) -> None:
    user = UserFactory.create()
    body = {"legal_name": "Good Training Ltd", "ukprn": "10012345", field: value}
    response = client_for(user).post("/api/v1/providers", body, format="json")
    assert_refused(response, field)
    assert not Provider.objects.exists()

    admin = ProviderMembershipFactory.create(role="admin")
    response = client_for(admin.user, mfa=True).patch(
        f"/api/v1/providers/{admin.provider_id}", {field: value}, format="json"
    )
    assert_refused(response, field)
    admin.provider.refresh_from_db()
    assert "\n" not in getattr(admin.provider, field)


@pytest.mark.parametrize("value", HOSTILE_NAMES)
def test_programme_names_refuse_control_characters(value: str) -> None:
    programme = make_programme(name="Digital Bootcamps")
    officer = client_for(programme.funder.memberships.get().user, mfa=True)
    today = timezone.localdate()
    body = {
        "funder_id": programme.funder_id,
        "name": value,
        "opens_on": str(today),
        "closes_on": str(today + dt.timedelta(days=90)),
        "allowance": 250_000,
    }
    assert_refused(officer.post("/api/v1/funder/programmes", body, format="json"), "name")
    response = officer.patch(
        f"/api/v1/funder/programmes/{programme.pk}", {"name": value}, format="json"
    )
    assert_refused(response, "name")
    assert list(FundingProgramme.objects.values_list("name", flat=True)) == ["Digital Bootcamps"]


@pytest.mark.parametrize("value", HOSTILE_NAMES)
def test_course_titles_and_cohort_locations_refuse_control_characters(value: str) -> None:
    staff = ProviderMembershipFactory.create(role="staff")
    client: APIClient = client_for(staff.user, mfa=True)
    course = CourseFactory.create(provider=staff.provider, title="Data Bootcamp")
    cohort = CohortFactory.create(course=course, location="Coventry")
    body = {
        "title": value,
        "summary": "A practical course.",
        "level": 3,
        "mode": "online",
        "region": "West Midlands",
        "guided_learning_hours": 100,
        "length_weeks": 10,
        "price": 100_000,
    }
    url = f"/api/v1/providers/{staff.provider_id}/courses"
    assert_refused(client.post(url, body, format="json"), "title")
    url = f"/api/v1/provider/courses/{course.pk}"
    assert_refused(client.patch(url, {"title": value}, format="json"), "title")
    start = timezone.localdate() + dt.timedelta(days=30)
    cohort_body = {
        "start_date": str(start),
        "end_date": str(start + dt.timedelta(weeks=10)),
        "application_deadline": str(start - dt.timedelta(days=3)),
        "capacity": 10,
        "location": value,
    }
    url = f"/api/v1/provider/courses/{course.pk}/cohorts"
    assert_refused(client.post(url, cohort_body, format="json"), "location")
    url = f"/api/v1/provider/cohorts/{cohort.pk}"
    assert_refused(client.patch(url, {"location": value}, format="json"), "location")
    assert list(Course.objects.values_list("title", flat=True)) == ["Data Bootcamp"]
    assert list(Cohort.objects.values_list("location", flat=True)) == ["Coventry"]


@pytest.mark.parametrize("value", HOSTILE_NAMES)
def test_a_subject_line_is_always_one_line(value: str) -> None:
    line = one_line(f"Join {value} on Skills Wallet")
    assert line.startswith("Join ")
    assert not any(ch in line for ch in "\r\n\t\x1b\x07\x85\u2028\u202e")


def test_plain_emails_carry_no_injected_header() -> None:
    send_plain_email(
        subject="Hello Evil\nBcc: everyone@example.org", body="Body", to=["a@example.org"]
    )
    message = mail.outbox[-1]
    assert message.subject == "Hello Evil Bcc: everyone@example.org"
    assert message.bcc == []
    assert "Bcc" not in message.message()


def test_an_invitation_email_from_a_provider_with_an_old_multi_line_name_is_sent(
    django_capture_on_commit_callbacks: Any,
) -> None:
    # A name saved before names were checked: the email is still built safely.
    admin = ProviderMembershipFactory.create(role="admin")
    Provider.objects.filter(pk=admin.provider_id).update(
        trading_name="Evil Training\nBcc: everyone@example.org"
    )
    client = client_for(admin.user, mfa=True)
    url = f"/api/v1/providers/{admin.provider_id}/invitations"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"email": "tutor@example.org", "role": "staff"}, format="json")
    assert response.status_code == 201
    assert ProviderInvitation.objects.count() == 1
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject == (
        "[Skills Wallet] Join Evil Training Bcc: everyone@example.org on Skills Wallet"
    )
    assert mail.outbox[0].to == ["tutor@example.org"]
    assert mail.outbox[0].bcc == []
