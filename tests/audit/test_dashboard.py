"""The funder dashboard: who may open it, what it shows, and the page in headless Chromium."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from playwright.sync_api import Browser, expect

from audit.models import AnomalyFlag
from enrolments.models import Enrolment
from tests.audit.helpers import everything_world, finished
from tests.browser import OffsiteRequests, screenshot
from tests.enrolments.helpers import make_world
from tests.factories import (
    PASSWORD,
    FunderMembershipFactory,
    UserFactory,
    make_programme,
)
from tests.helpers import admin_client_for, second_factor_code
from wallets.models import FunderMembership, LedgerVerificationRun
from wallets.verification import ledger_verify_and_store


def dashboard_url(funder_id: int) -> str:
    return f"/funders/{funder_id}/dashboard/"


@pytest.mark.django_db
def test_an_anonymous_visitor_is_sent_to_sign_in() -> None:
    world = make_world()
    url = dashboard_url(world.programme.funder_id)
    response = Client().get(url)
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={url}"


@pytest.mark.django_db
def test_a_learner_and_a_provider_are_refused() -> None:
    world = make_world()
    url = dashboard_url(world.programme.funder_id)
    learner = Client()
    learner.force_login(world.learner())
    response = learner.get(url)
    assert response.status_code == 403
    assert b"Funder dashboards are for" in response.content
    provider = admin_client_for(world.provider_staff.user)
    assert provider.get(url).status_code == 403


@pytest.mark.django_db
def test_another_funders_officer_gets_404() -> None:
    world = make_world()
    outsider = make_programme().funder.memberships.get().user
    response = admin_client_for(outsider).get(dashboard_url(world.programme.funder_id))
    assert response.status_code == 404
    assert b"Skills Wallet" in response.content  # our page, not a bare error


@pytest.mark.django_db
def test_an_officer_without_the_second_factor_on_this_session_is_refused() -> None:
    world = make_world()
    client = Client()
    client.force_login(world.officer)
    response = client.get(dashboard_url(world.programme.funder_id))
    assert response.status_code == 403
    assert b"two-factor" in response.content


@pytest.mark.django_db
def test_officer_and_auditor_see_the_figures_samples_and_exports() -> None:
    world = everything_world()
    sampled = make_world(sample_rate="1")
    waiting = finished(sampled, sampled.learner())
    assert waiting.outcome_verification == Enrolment.Verification.PENDING
    auditor = FunderMembershipFactory.create(
        funder=world.programme.funder, role=FunderMembership.Role.AUDITOR
    ).user
    for person in (world.officer, auditor):
        response = admin_client_for(person).get(dashboard_url(world.programme.funder_id))
        assert response.status_code == 200
        page = response.content.decode()
        assert "£500,000.00" in page  # budget
        assert "£7,600.00" in page  # paid to providers
        assert page.count("<svg") == 3
        assert f"/api/v1/funder/programmes/{world.programme.pk}/reports/totals.csv" in page
        assert "No open flags." in page
        assert "No sampled outcome is waiting." in page
    # The other funder's officer sees their own sample waiting.
    theirs = admin_client_for(sampled.officer).get(dashboard_url(sampled.programme.funder_id))
    assert f"#{waiting.pk}" in theirs.content.decode()


@pytest.mark.django_db
def test_bad_dates_are_a_400_page_and_an_unknown_programme_a_404() -> None:
    world = make_world()
    client = admin_client_for(world.officer)
    url = dashboard_url(world.programme.funder_id)
    assert client.get(url, {"from": "2026-13-01"}).status_code == 400
    other = make_programme()
    assert client.get(url, {"programme": other.pk}).status_code == 404


@pytest.mark.django_db(transaction=True)
def test_the_dashboard_in_headless_chromium(browser: Browser, live_server: Any) -> None:
    world = everything_world()
    officer = UserFactory.create(full_name="Olu Officer")
    FunderMembershipFactory.create(user=officer, funder=world.programme.funder)
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": 1280, "height": 900}, locale="en-GB"
    )
    page = context.new_page()
    offsite = OffsiteRequests(page, live_server.url)
    try:
        admin_client_for(officer)  # gives the officer an authenticator, as enrolment would
        url = f"{live_server.url}{dashboard_url(world.programme.funder_id)}"
        page.goto(url)
        # Sent to sign in: password, then the authenticator's code, then back to the page.
        assert "/accounts/login/" in page.url
        page.get_by_label("Email").fill(officer.email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.get_by_label("Code").fill(second_factor_code(officer))
        page.get_by_role("button", name="Sign in").click()
        if not page.url.endswith("/dashboard/"):
            page.goto(url)
        expect(page.get_by_role("heading", name=world.programme.funder.name)).to_be_visible()
        expect(page.get_by_role("img", name="Paid to providers by month")).to_be_visible()
        expect(page.get_by_role("img", name="Paid to providers by provider")).to_be_visible()
        expect(page.get_by_role("img", name="Learners from application to outcome")).to_be_visible()
        expect(page.locator(".headline")).to_contain_text("£7,600.00")
        shot = screenshot(page, "funder-dashboard")
        assert shot.stat().st_size > 20_000
        assert offsite.urls == []
    finally:
        context.close()


@pytest.mark.django_db
def test_the_dashboard_shows_open_flags_with_their_reason_and_the_latest_ledger_check() -> None:
    world = everything_world()
    now = timezone.now()
    AnomalyFlag.objects.create(
        programme=world.programme,
        provider=world.provider_staff.provider,
        rule=AnomalyFlag.Rule.REJECTED_OUTCOME,
        subject=f"provider:{world.provider_staff.provider_id}",
        reason="An outcome was rejected on 1 Dec 2026.",
        first_seen_at=now,
        last_seen_at=now,
    )
    ledger_verify_and_store(trigger=LedgerVerificationRun.Trigger.SCHEDULE)
    page = admin_client_for(world.officer).get(dashboard_url(world.programme.funder_id))
    text = page.content.decode()
    assert "An outcome was rejected on 1 Dec 2026." in text
    assert "No open flags." not in text
    assert "The ledger verified at" in text
    # Another funder's officer sees neither the flag nor the other funder's figures.
    other = make_world()
    theirs = admin_client_for(other.officer).get(dashboard_url(other.programme.funder_id))
    assert "An outcome was rejected" not in theirs.content.decode()
