"""The admin signs in through allauth's own pages: password, then the second factor, with the
same rate limits and lockout as the API. Django's password-only admin login does not exist."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD, TOTP_SECRET, UserFactory, give_totp
from tests.helpers import APP, BROWSER, admin_client_for, clock_stopped, post_json, totp_now
from users.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def stopped_clock() -> Iterator[None]:
    with clock_stopped():
        yield


def _staff(*, totp: bool = True) -> User:
    user = UserFactory.create(is_staff=True, is_superuser=True)
    if totp:
        give_totp(user)
    return user


def test_the_admin_login_page_sends_people_to_the_allauth_sign_in() -> None:
    client = Client()
    response = client.get("/admin/login/?next=/admin/wallets/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=%2Fadmin%2Fwallets%2F"
    # Anonymous visits to any admin page end up there too.
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0] == "/accounts/login/?next=%2Fadmin%2F"
    assert response.status_code == 200


def test_posting_a_password_to_the_admin_login_signs_no_one_in() -> None:
    staff = _staff()
    client = Client()
    response = client.post(
        "/admin/login/?next=/admin/", {"username": staff.email, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 302


def test_an_unsafe_next_address_is_not_followed() -> None:
    response = Client().get("/admin/login/?next=https://evil.example/")
    assert response["Location"] == "/accounts/login/?next=%2Fadmin%2F"


@pytest.mark.usefixtures("stopped_clock")
def test_staff_sign_in_with_password_then_totp_opens_the_admin() -> None:
    staff = _staff()
    client = Client()
    response = client.post(
        "/accounts/login/", {"login": staff.email, "password": PASSWORD, "next": "/admin/"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")
    assert client.get("/admin/").status_code == 302  # the password alone opens nothing

    page = client.get(reverse("mfa_authenticate"))
    assert page.status_code == 200
    assert b'name="code"' in page.content
    response = client.post(reverse("mfa_authenticate"), {"code": totp_now(TOTP_SECRET)})
    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    page = client.get("/admin/")
    assert page.status_code == 200
    assert b"Skills Wallet administration" in page.content


def test_staff_without_an_authenticator_is_told_to_set_one_up() -> None:
    staff = _staff(totp=False)
    client = Client()
    response = client.post("/accounts/login/", {"login": staff.email, "password": PASSWORD})
    assert response.status_code == 302  # signed in: the account has no second factor yet
    response = client.get("/admin/", follow=True)
    assert response.status_code == 403
    assert b"authenticator app" in response.content
    assert reverse("mfa_activate_totp").encode() in response.content


def test_a_session_without_the_second_factor_is_told_to_sign_in_again() -> None:
    staff = _staff(totp=False)
    client = Client()
    client.post("/accounts/login/", {"login": staff.email, "password": PASSWORD})
    give_totp(staff)  # activated elsewhere after this session signed in
    response = client.get("/admin/", follow=True)
    assert response.status_code == 403
    assert b"Sign out and sign in again" in response.content


def test_people_who_are_not_staff_are_refused_by_the_admin() -> None:
    person = UserFactory.create()
    give_totp(person)
    client = admin_client_for(person)
    response = client.get("/admin/", follow=True)
    assert response.status_code == 403
    assert b"platform staff" in response.content


def test_admin_password_change_goes_through_allauth() -> None:
    client = admin_client_for(_staff())
    response = client.get("/admin/password_change/")
    assert response.status_code == 302
    assert response["Location"] == reverse("account_change_password")


def test_failed_logins_on_the_api_lock_the_admin_sign_in_too() -> None:
    staff = _staff()
    for _ in range(5):
        response = post_json(
            Client(), f"{BROWSER}/auth/login", {"email": staff.email, "password": "wrong"}
        )
        assert response.status_code == 400
    client = Client()
    response = client.post("/accounts/login/", {"login": staff.email, "password": PASSWORD})
    assert response.status_code == 200  # the form again, with the reason
    assert b"Too many failed login attempts" in response.content
    assert "_auth_user_id" not in client.session


def test_wrong_passwords_at_the_admin_sign_in_lock_the_api_login_too() -> None:
    staff = _staff()
    for _ in range(5):
        Client().post("/accounts/login/", {"login": staff.email, "password": "wrong"})
    response = post_json(
        Client(), f"{APP}/auth/login", {"email": staff.email, "password": PASSWORD}
    )
    assert response.status_code == 429
    assert response.json()["code"] == "too_many_login_attempts"


# --- Links in emails open pages that exist ----------------------------------------------------


def _link_in_last_email() -> str:
    match = re.search(r"https?://[^/\s]+(/\S+)", str(mail.outbox[-1].body))
    assert match, mail.outbox[-1].body
    return match.group(1)


def test_the_link_in_the_verification_email_opens_a_page_that_verifies() -> None:
    response = post_json(
        Client(), f"{APP}/auth/signup", {"email": "new@example.org", "password": PASSWORD}
    )
    assert response.status_code == 401
    link = _link_in_last_email()
    assert link.startswith("/accounts/confirm-email/")

    browser = Client()
    page = browser.get(link)
    assert page.status_code == 200
    assert b"new@example.org" in page.content
    response = browser.post(link)
    assert response.status_code == 302
    from allauth.account.models import EmailAddress

    assert EmailAddress.objects.get(email="new@example.org").verified is True
    response = post_json(
        Client(), f"{APP}/auth/login", {"email": "new@example.org", "password": PASSWORD}
    )
    assert response.status_code == 200


def test_the_link_in_the_password_reset_email_opens_a_page_that_resets() -> None:
    UserFactory.create(email="forgot@example.org")
    response = post_json(Client(), f"{APP}/auth/password/request", {"email": "forgot@example.org"})
    assert response.status_code == 200
    link = _link_in_last_email()
    assert link.startswith("/accounts/password/reset/key/")

    browser = Client()
    page = browser.get(link, follow=True)
    assert page.status_code == 200
    assert b'name="password1"' in page.content
    form_address = page.redirect_chain[-1][0] if page.redirect_chain else link
    response = browser.post(
        form_address,
        {"password1": "a-brand-new-passphrase", "password2": "a-brand-new-passphrase"},
    )
    assert response.status_code == 302
    assert browser.get(response["Location"]).status_code == 200
    response = post_json(
        Client(),
        f"{APP}/auth/login",
        {"email": "forgot@example.org", "password": "a-brand-new-passphrase"},
    )
    assert response.status_code == 200


# --- The pages: our templates and stylesheet, no CDN, no JavaScript needed --------------------


@pytest.mark.parametrize(
    "path",
    [
        "/accounts/login/",
        "/accounts/signup/",
        "/accounts/password/reset/",
        "/accounts/password/reset/done/",
        "/accounts/confirm-email/not-a-key/",
    ],
)
def test_account_pages_are_ours_and_need_nothing_from_elsewhere(path: str) -> None:
    page = Client().get(path)
    assert page.status_code == 200
    html = page.content.decode()
    assert '<link rel="stylesheet" href="/static/css/site.css">' in html
    assert "<script" not in html
    assert not re.search(r"""(src|href)=["']https?://""", html)
    assert "Skills Wallet" in html


def test_the_stylesheet_is_served_by_the_app() -> None:
    response = Client().get("/static/css/site.css")
    assert response.status_code == 200
    assert b"body" in b"".join(response.streaming_content)  # type: ignore[attr-defined]


def test_signed_in_pages_for_two_factor_setup_are_ours() -> None:
    person = UserFactory.create()
    client = Client()
    client.post("/accounts/login/", {"login": person.email, "password": PASSWORD})
    page = client.get(reverse("mfa_index"))
    assert page.status_code == 200
    assert b"/static/css/site.css" in page.content
    assert b"Two-factor authentication" in page.content
