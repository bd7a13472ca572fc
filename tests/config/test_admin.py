"""The admin changes state only through services, with the acting user, and only for staff
who hold the change permission. Status and money fields are read-only."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.test import Client
from django.utils import timezone

from courses.models import Cohort, Course
from enrolments.models import Enrolment, EnrolmentEvent
from providers.models import Provider, ProviderStatusChange
from tests.enrolments.helpers import make_world
from tests.factories import (
    CohortFactory,
    ProviderFactory,
    UserFactory,
    give_totp,
    make_programme,
)
from tests.helpers import admin_client_for
from users.models import User
from wallets.models import FundingProgramme, ProgrammeApplication
from wallets.services import programme_approve_provider

pytestmark = pytest.mark.django_db


def _staff(*codenames: str) -> User:
    user = UserFactory.create(is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    give_totp(user)
    return user


def _superuser() -> User:
    user = UserFactory.create(is_staff=True, is_superuser=True)
    give_totp(user)
    return user


def _run_action(client: Client, changelist: str, action: str, ids: list[int], **extra: str) -> Any:
    return client.post(
        changelist,
        {"action": action, "_selected_action": [str(pk) for pk in ids], "index": "0", **extra},
        follow=True,
    )


def _change_form(client: Client, url: str) -> dict[str, Any]:
    """The change form's current values, as a browser would post them back."""
    response = client.get(url)
    assert response.status_code == 200
    form = response.context["adminform"].form
    data: dict[str, Any] = {}
    for name, field in form.fields.items():
        value = form[name].value()
        if value is None:
            continue
        if isinstance(value, list):
            data[name] = field.prepare_value(value) if hasattr(field, "delimiter") else value
        else:
            data[name] = value
    for formset in response.context["inline_admin_formsets"]:
        management = formset.formset.management_form
        for name in management.fields:
            data[f"{management.prefix}-{name}"] = management[name].value()
        for inline_form in formset.formset.forms:
            for name in inline_form.fields:
                value = inline_form[name].value()
                if value is not None:
                    data[f"{inline_form.prefix}-{name}"] = value
    return data


# --- Every action declares the change permission --------------------------------------------


def test_every_admin_action_that_changes_state_needs_a_permission_to_change() -> None:
    missing = []
    request = _request_as(_superuser())
    for model, model_admin in admin.site._registry.items():
        actions: dict[str, Any] = model_admin.get_actions(request) or {}
        for name, (func, _, _) in actions.items():
            if name == "delete_selected":
                continue  # Django's own: needs the delete permission
            # The change permission, or a narrower one of its own (revoking a certificate).
            permissions = set(getattr(func, "allowed_permissions", ()))
            if not permissions or permissions <= {"view"}:
                missing.append(f"{model._meta.label}.{name}")
    assert missing == []


def _request_as(user: User) -> Any:
    from django.test import RequestFactory

    request = RequestFactory().get("/admin/")
    request.user = user
    return request


def test_funding_decisions_are_not_available_in_the_admin() -> None:
    client = admin_client_for(_superuser())
    page = client.get("/admin/wallets/programmeapplication/")
    assert page.status_code == 200
    assert b"approve_and_grant" not in page.content
    assert "approve_and_grant" not in admin.site._registry[ProgrammeApplication].get_actions(
        _request_as(_superuser())
    )


# --- View-only staff are refused and nothing changes ----------------------------------------


def test_view_only_staff_cannot_suspend_or_delist_a_provider() -> None:
    provider = ProviderFactory.create(status=Provider.Status.APPROVED)
    client = admin_client_for(_staff("view_provider"))
    assert client.get("/admin/providers/provider/").status_code == 200
    for action in ("set_suspended", "set_delisted"):
        response = _run_action(
            client, "/admin/providers/provider/", action, [provider.pk], reason="Complaints."
        )
        assert response.status_code == 200
    provider.refresh_from_db()
    assert provider.status == Provider.Status.APPROVED
    assert not ProviderStatusChange.objects.exists()


def test_staff_with_the_change_permission_suspend_through_the_service() -> None:
    provider = ProviderFactory.create(status=Provider.Status.APPROVED)
    staff = _staff("view_provider", "change_provider")
    client = admin_client_for(staff)
    response = _run_action(
        client, "/admin/providers/provider/", "set_suspended", [provider.pk], reason="Complaints."
    )
    assert response.status_code == 200
    provider.refresh_from_db()
    assert provider.status == Provider.Status.SUSPENDED
    change = ProviderStatusChange.objects.get()
    assert (change.actor, change.reason) == (staff, "Complaints.")


def test_view_only_staff_cannot_mark_an_email_verified() -> None:
    person = UserFactory.create(verified=False)
    address = EmailAddress.objects.create(user=person, email=person.email, verified=False)
    client = admin_client_for(_staff("view_emailaddress"))
    assert client.get("/admin/account/emailaddress/").status_code == 200
    _run_action(client, "/admin/account/emailaddress/", "mark_verified", [address.pk])
    address.refresh_from_db()
    assert address.verified is False

    client = admin_client_for(_staff("view_emailaddress", "change_emailaddress"))
    _run_action(client, "/admin/account/emailaddress/", "mark_verified", [address.pk])
    address.refresh_from_db()
    assert address.verified is True


def test_email_addresses_and_authenticators_cannot_be_edited_in_the_admin() -> None:
    person = UserFactory.create()
    authenticator = give_totp(person)
    address = EmailAddress.objects.get(user=person)
    client = admin_client_for(_superuser())
    page = client.get(f"/admin/account/emailaddress/{address.pk}/change/")
    assert page.status_code == 200
    client.post(
        f"/admin/account/emailaddress/{address.pk}/change/",
        {"email": "attacker@example.org", "user": person.pk, "verified": "on", "primary": "on"},
    )
    address.refresh_from_db()
    assert address.email == person.email
    page = client.get(f"/admin/mfa/authenticator/{authenticator.pk}/change/")
    assert page.status_code == 200
    assert authenticator.data["secret"].encode() not in page.content  # never shown
    assert client.get("/admin/mfa/authenticator/add/").status_code == 403
    assert Authenticator.objects.filter(pk=authenticator.pk).exists()


# --- Cohorts: status read-only; cancelling only through the service, with a reason -----------


def test_the_cohort_change_form_cannot_change_its_status_or_seats() -> None:
    cohort = CohortFactory.create()
    client = admin_client_for(_superuser())
    url = f"/admin/courses/cohort/{cohort.pk}/change/"
    data = _change_form(client, url)
    assert "status" not in data
    assert "seats_taken" not in data
    data.update({"status": "cancelled", "seats_taken": "7", "capacity": "25"})
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    cohort.refresh_from_db()
    assert (cohort.status, cohort.seats_taken, cohort.capacity) == (Cohort.Status.OPEN, 0, 25)


def test_cohort_edits_in_the_admin_follow_the_cohort_rules() -> None:
    cohort = CohortFactory.create()
    client = admin_client_for(_superuser())
    url = f"/admin/courses/cohort/{cohort.pk}/change/"
    data = _change_form(client, url)
    data["end_date"] = str(cohort.start_date - dt.timedelta(days=1))
    response = client.post(url, data)
    assert response.status_code == 200
    assert "cannot end before it starts" in str(response.context["adminform"].form.errors)
    cohort.refresh_from_db()
    assert cohort.end_date > cohort.start_date


def test_view_only_staff_cannot_cancel_a_cohort() -> None:
    world = make_world()
    enrolment = world.offered()
    client = admin_client_for(_staff("view_cohort"))
    _run_action(
        client, "/admin/courses/cohort/", "cancel_cohorts", [world.cohort.pk], reason="Tutor ill."
    )
    world.cohort.refresh_from_db()
    assert world.cohort.status == Cohort.Status.OPEN
    assert Enrolment.objects.get(pk=enrolment.pk).status == Enrolment.Status.OFFERED


def test_staff_cancel_a_cohort_through_the_service_with_a_reason() -> None:
    world = make_world()
    enrolment = world.offered()
    staff = _staff("view_cohort", "change_cohort")
    client = admin_client_for(staff)

    response = _run_action(client, "/admin/courses/cohort/", "cancel_cohorts", [world.cohort.pk])
    assert "Say why the cohort is cancelled" in response.content.decode()
    world.cohort.refresh_from_db()
    assert world.cohort.status == Cohort.Status.OPEN

    _run_action(
        client, "/admin/courses/cohort/", "cancel_cohorts", [world.cohort.pk], reason="Tutor ill."
    )
    world.cohort.refresh_from_db()
    assert world.cohort.status == Cohort.Status.CANCELLED
    event = EnrolmentEvent.objects.filter(enrolment=enrolment).latest("pk")
    assert (event.actor, event.reason, event.to_status) == (staff, "Tutor ill.", "cancelled")


# --- Courses and programmes: status and money read-only -------------------------------------


def test_the_course_change_form_cannot_change_its_status_or_price() -> None:
    world = make_world()
    client = admin_client_for(_superuser())
    url = f"/admin/courses/course/{world.course.pk}/change/"
    data = _change_form(client, url)
    assert "status" not in data
    assert "price" not in data
    data.update({"status": "archived", "price": "1", "title": "Data Analyst Bootcamp (2027)"})
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    course = Course.objects.get(pk=world.course.pk)
    assert (course.status, course.price, course.title) == (
        Course.Status.PUBLISHED,
        400_000,
        "Data Analyst Bootcamp (2027)",
    )


def test_the_programme_change_form_cannot_change_its_status_or_budget() -> None:
    programme = make_programme(budget=1_000_000, allowance=300_000)
    client = admin_client_for(_superuser())
    url = f"/admin/wallets/fundingprogramme/{programme.pk}/change/"
    data = _change_form(client, url)
    for field in ("status", "currency", "budget_target", "allowance", "milestone_start_percent"):
        assert field not in data, field
    data.update(
        {
            "status": "closed",
            "budget_target": "1",
            "allowance": "999999999",
            "currency": "EUR",
            "description": "Updated by support.",
        }
    )
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    programme.refresh_from_db()
    assert (programme.status, programme.allowance, programme.currency) == (
        "active",
        300_000,
        "GBP",
    )
    assert programme.budget_account.balance == 1_000_000
    assert programme.description == "Updated by support."


def test_programme_rules_edited_in_the_admin_are_checked_like_everywhere_else() -> None:
    programme = make_programme()
    client = admin_client_for(_superuser())
    url = f"/admin/wallets/fundingprogramme/{programme.pk}/change/"
    data = _change_form(client, url)
    data["closes_on"] = str(programme.opens_on - dt.timedelta(days=1))
    response = client.post(url, data)
    assert response.status_code == 200
    assert "cannot close before it opens" in str(response.context["adminform"].form.errors)
    programme.refresh_from_db()
    assert programme.closes_on >= programme.opens_on


def test_programmes_cannot_be_added_and_provider_approvals_are_the_funders() -> None:
    programme = make_programme()
    approved, other = ProviderFactory.create(), ProviderFactory.create()
    programme_approve_provider(
        actor=programme.funder.memberships.get().user, programme=programme, provider=approved
    )
    client = admin_client_for(_superuser())
    assert client.get("/admin/wallets/fundingprogramme/add/").status_code == 403
    url = f"/admin/wallets/fundingprogramme/{programme.pk}/change/"
    data = _change_form(client, url)
    assert not any(key.endswith("-provider") for key in data)  # shown, not editable
    prefix = next(key for key in data if key.endswith("-TOTAL_FORMS")).removesuffix("TOTAL_FORMS")
    data.update({f"{prefix}TOTAL_FORMS": "2", f"{prefix}1-provider": str(other.pk)})
    client.post(url, data)
    assert list(FundingProgramme.objects.get(pk=programme.pk).approved_providers.all()) == [
        approved
    ]


# --- The timetable is visible to staff ------------------------------------------------------


def test_the_cohort_admin_shows_its_timetable() -> None:
    today = timezone.localdate()
    monday = today - dt.timedelta(days=today.weekday()) + dt.timedelta(days=7)
    cohort = CohortFactory.create(
        start_date=monday, end_date=monday + dt.timedelta(days=13), weekdays=[0, 2]
    )
    client = admin_client_for(_staff("view_cohort", "change_cohort"))

    page = client.get(f"/admin/courses/cohort/{cohort.pk}/change/").content.decode()

    assert "4 sessions on Monday, Wednesday; 0 held by today." in page
    assert monday.strftime("%a %-d %b %Y") in page
    # Read-only: posting a timetable through the admin is not possible.
    assert 'name="session_dates"' not in page
    assert 'name="weekdays"' not in page
