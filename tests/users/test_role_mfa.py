"""Role access needs this session's second factor, not only an account that has one."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.test import Client
from rest_framework.test import APIClient

from tests.factories import (
    PASSWORD,
    TOTP_SECRET,
    FunderMembershipFactory,
    ProviderMembershipFactory,
    UserFactory,
    give_totp,
)
from tests.helpers import APP, BROWSER, clock_stopped, post_json, totp_now
from users.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def stopped_clock() -> Iterator[None]:
    with clock_stopped():
        yield


ROLE_API = "/api/v1/funder/programmes"


def _officer(*, is_staff: bool = False) -> User:
    user = UserFactory.create(is_staff=is_staff)
    FunderMembershipFactory.create(user=user)
    return user


def test_a_staff_officer_who_signed_in_at_the_admin_with_a_password_has_no_role_access() -> None:
    officer = _officer(is_staff=True)
    give_totp(officer)
    client = Client()
    client.post(
        "/admin/login/?next=/admin/",
        {"username": officer.email, "password": PASSWORD, "next": "/admin/"},
    )
    response = client.get(ROLE_API)
    assert response.status_code in (401, 403)
    assert response.json()["code"] in {"not_authenticated", "mfa_session_required"}


def test_a_session_that_signed_in_with_a_password_only_is_refused_with_its_own_code() -> None:
    officer = _officer(is_staff=True)
    give_totp(officer)
    client = Client()
    # Any password-only sign-in (here Django's own login) leaves no second factor on the session.
    assert client.login(email=officer.email, password=PASSWORD)
    response = client.get(ROLE_API)
    assert response.status_code == 403
    body = response.json()
    assert body["code"] == "mfa_session_required"
    assert "sign in again" in body["detail"].lower()
    assert client.get("/api/v1/me").json()["session_mfa_verified"] is False


def test_activating_totp_elsewhere_does_not_give_a_password_only_session_role_access() -> None:
    officer = _officer()
    app = APIClient()
    login = post_json(app, f"{APP}/auth/login", {"email": officer.email, "password": PASSWORD})
    assert login.status_code == 200  # no authenticator yet: the password is the whole login
    token = {"X-Session-Token": login.json()["meta"]["session_token"]}
    response = app.get(ROLE_API, headers=token)
    assert response.status_code == 403
    assert response.json()["code"] == "mfa_required"

    give_totp(officer)  # e.g. from another device

    response = app.get(ROLE_API, headers=token)
    assert response.status_code == 403
    assert response.json()["code"] == "mfa_session_required"


@pytest.mark.usefixtures("stopped_clock")
def test_an_app_session_that_passed_totp_has_role_access() -> None:
    officer = _officer()
    give_totp(officer)
    app = APIClient()
    login = post_json(app, f"{APP}/auth/login", {"email": officer.email, "password": PASSWORD})
    assert login.status_code == 401  # the second factor is pending
    pending = {"X-Session-Token": login.json()["meta"]["session_token"]}
    assert app.get(ROLE_API, headers=pending).status_code == 401
    done = post_json(
        app, f"{APP}/auth/2fa/authenticate", {"code": totp_now(TOTP_SECRET)}, **pending
    )
    assert done.status_code == 200
    token = {"X-Session-Token": done.json()["meta"]["session_token"]}
    assert app.get(ROLE_API, headers=token).status_code == 200
    assert app.get("/api/v1/me", headers=token).json()["session_mfa_verified"] is True


@pytest.mark.usefixtures("stopped_clock")
def test_a_browser_session_that_passed_totp_has_role_access() -> None:
    membership = ProviderMembershipFactory.create()
    give_totp(membership.user)
    browser = Client()
    login = post_json(
        browser, f"{BROWSER}/auth/login", {"email": membership.user.email, "password": PASSWORD}
    )
    assert login.status_code == 401
    done = post_json(browser, f"{BROWSER}/auth/2fa/authenticate", {"code": totp_now(TOTP_SECRET)})
    assert done.status_code == 200
    assert browser.get("/api/v1/providers/mine").status_code == 200


def test_an_account_with_a_role_and_no_authenticator_is_told_to_set_one_up() -> None:
    officer = _officer()
    app = APIClient()
    login = post_json(app, f"{APP}/auth/login", {"email": officer.email, "password": PASSWORD})
    token = {"X-Session-Token": login.json()["meta"]["session_token"]}
    response = app.get(ROLE_API, headers=token)
    assert response.status_code == 403
    assert response.json()["code"] == "mfa_required"


def test_learner_endpoints_need_no_second_factor() -> None:
    learner = UserFactory.create()
    app = APIClient()
    login = post_json(app, f"{APP}/auth/login", {"email": learner.email, "password": PASSWORD})
    token = {"X-Session-Token": login.json()["meta"]["session_token"]}
    assert app.get("/api/v1/wallet", headers=token).status_code == 200
