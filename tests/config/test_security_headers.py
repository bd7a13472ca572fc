"""Under production settings every HTML page sends a Content-Security-Policy, HSTS,
`X-Content-Type-Options`, `Referrer-Policy` and frame denial; cookies are `Secure`, the session
cookie `HttpOnly`, both `SameSite`; and our pages need no inline script to work.

The production settings module refuses to import without its secrets and a real database, so
a subprocess loads it and prints the security settings; the tests here apply exactly those
values to this process and make real requests (over HTTPS) to real pages.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.test import Client, override_settings

from tests.certificates.helpers import issued
from tests.config.test_deployment import _python
from tests.config.test_settings import PRODUCTION_ENV
from tests.enrolments.helpers import make_world
from tests.factories import PASSWORD, ProviderFactory, UserFactory
from tests.helpers import BROWSER, admin_client_for

SECURITY_SETTINGS = [
    "CONTENT_SECURITY_POLICY",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SECURE_CONTENT_TYPE_NOSNIFF",
    "SECURE_REFERRER_POLICY",
    "SECURE_SSL_REDIRECT",
    "X_FRAME_OPTIONS",
    "SESSION_COOKIE_SECURE",
    "SESSION_COOKIE_HTTPONLY",
    "SESSION_COOKIE_SAMESITE",
    "CSRF_COOKIE_SECURE",
    "CSRF_COOKIE_SAMESITE",
    "MIDDLEWARE",
]
# A <script> element with a body: neither `src=` nor a JSON data block.
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", re.I)


@pytest.fixture(scope="module")
def production_security() -> dict[str, Any]:
    result = _python(
        "import json, django; django.setup(); from django.conf import settings;"
        f" print(json.dumps({{n: getattr(settings, n) for n in {SECURITY_SETTINGS!r}}}))",
        env=PRODUCTION_ENV,
    )
    assert result.returncode == 0, result.stderr
    values: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return values


@pytest.fixture
def as_production(production_security: dict[str, Any]) -> Iterator[dict[str, Any]]:
    with override_settings(**production_security):
        yield production_security


def test_production_sets_every_security_setting(production_security: dict[str, Any]) -> None:
    assert production_security["SECURE_HSTS_SECONDS"] >= 31_536_000
    assert production_security["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert production_security["SECURE_CONTENT_TYPE_NOSNIFF"] is True
    assert production_security["SECURE_REFERRER_POLICY"] == "same-origin"
    assert production_security["X_FRAME_OPTIONS"] == "DENY"
    assert production_security["SESSION_COOKIE_SECURE"] is True
    assert production_security["SESSION_COOKIE_HTTPONLY"] is True
    assert production_security["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert production_security["CSRF_COOKIE_SECURE"] is True
    assert production_security["CSRF_COOKIE_SAMESITE"] == "Lax"
    policy = parse_policy(production_security["CONTENT_SECURITY_POLICY"])
    assert policy["default-src"] == "'self'"
    assert policy["script-src"] == "'self'"  # no 'unsafe-inline', no remote origin
    assert policy["object-src"] == "'none'"
    assert policy["frame-ancestors"] == "'none'"
    assert "config.middleware.ContentSecurityPolicyMiddleware" in production_security["MIDDLEWARE"]


def parse_policy(header: str) -> dict[str, str]:
    return dict(directive.strip().split(" ", 1) for directive in header.split(";"))


def html_pages() -> dict[str, str]:
    """Every kind of HTML page we serve: the admin's, allauth's, the certificate pages, docs."""
    world = make_world()
    certificate = issued(world, _run_callbacks)
    return {
        "admin login": "/admin/login/",
        "allauth login": "/accounts/login/",
        "allauth signup": "/accounts/signup/",
        "password reset": "/accounts/password/reset/",
        "certificate verify": f"/verify/{certificate.verification_id}",
        "unknown certificate": f"/verify/{uuid.uuid4()}",
        "API docs": "/api/docs/",
    }


def _run_callbacks(execute: bool) -> Any:  # noqa: ARG001 - same signature as pytest-django's
    from django.test import TestCase

    return TestCase.captureOnCommitCallbacks(execute=True)


@pytest.mark.django_db
def test_every_html_page_sends_the_security_headers_under_production_settings(
    as_production: dict[str, Any],
) -> None:
    client = Client()
    for name, url in html_pages().items():
        response = client.get(url, secure=True, follow=True)
        assert response.status_code in (200, 404), (name, response.status_code)
        assert response["Content-Type"].startswith("text/html"), name
        # Ours, or a page's own stricter one (the certificate pages allow no script at all).
        policy = parse_policy(response["Content-Security-Policy"])
        assert policy.get("script-src", policy["default-src"]) in ("'self'", "'none'"), name
        assert policy["frame-ancestors"] == "'none'", name
        assert policy["base-uri"] == "'none'", name
        assert response["Strict-Transport-Security"] == (
            "max-age=31536000; includeSubDomains; preload"
        ), name
        assert response["X-Content-Type-Options"] == "nosniff", name
        assert response["Referrer-Policy"] in ("same-origin", "no-referrer"), name
        assert response["X-Frame-Options"] == "DENY", name
        # The policy forbids inline script: no page of ours may need one.
        assert INLINE_SCRIPT.findall(response.content.decode()) == [], name


@pytest.mark.django_db
def test_the_api_docs_start_up_script_is_a_file_the_policy_allows(
    as_production: dict[str, Any],  # noqa: ARG001 - applies the production settings
) -> None:
    page = Client().get("/api/docs/", secure=True).content.decode()
    scripts = re.findall(r'<script src="([^"]+)"', page)
    assert len(scripts) == 3
    for src in scripts:
        assert src.startswith("/"), src  # same origin: 'self'
    start_up = Client().get(scripts[-1].replace("&amp;", "&"), secure=True)
    assert start_up.status_code == 200
    assert b"SwaggerUIBundle" in start_up.content


@pytest.mark.django_db
def test_json_answers_carry_no_policy_but_keep_the_other_headers(
    as_production: dict[str, Any],  # noqa: ARG001 - applies the production settings
) -> None:
    response = Client().get("/api/v1/courses", secure=True)
    assert response.status_code == 200
    assert "Content-Security-Policy" not in response
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")


@pytest.mark.django_db
def test_no_policy_is_sent_when_the_setting_is_empty() -> None:
    with override_settings(CONTENT_SECURITY_POLICY=""):
        response = Client().get("/accounts/login/")
    assert response.status_code == 200
    assert "Content-Security-Policy" not in response


@pytest.mark.django_db
def test_plain_http_is_redirected_to_https_under_production_settings(
    as_production: dict[str, Any],  # noqa: ARG001 - applies the production settings
) -> None:
    response = Client().get("/accounts/login/")
    assert response.status_code == 301
    assert response["Location"] == "https://testserver/accounts/login/"


@pytest.mark.django_db
def test_cookies_are_secure_httponly_and_samesite_under_production_settings(
    as_production: dict[str, Any],  # noqa: ARG001 - applies the production settings
) -> None:
    UserFactory.create(email="cookie@example.org")
    client = Client(enforce_csrf_checks=False)
    page = client.get("/accounts/login/", secure=True)
    csrf = page.cookies[settings.CSRF_COOKIE_NAME]
    assert csrf["secure"] is True
    assert csrf["samesite"] == "Lax"

    response = client.post(
        f"{BROWSER}/auth/login",
        {"email": "cookie@example.org", "password": PASSWORD},
        content_type="application/json",
        secure=True,
    )
    assert response.status_code == 200, response.content
    session = response.cookies[settings.SESSION_COOKIE_NAME]
    assert session.value
    assert session["secure"] is True
    assert session["httponly"] is True
    assert session["samesite"] == "Lax"


@pytest.mark.django_db
def test_the_admin_signed_in_needs_no_inline_script(
    as_production: dict[str, Any],  # noqa: ARG001 - applies the production settings
) -> None:
    with override_settings(SECURE_SSL_REDIRECT=False):  # the test client signs in over HTTP
        client = admin_client_for(UserFactory.create(is_staff=True, is_superuser=True))
    provider = ProviderFactory.create()
    pages = [
        "/admin/",
        "/admin/core/outboxtask/",
        "/admin/providers/provider/",
        f"/admin/providers/provider/{provider.pk}/change/",
        "/admin/core/skill/add/",
    ]
    for url in pages:
        response = client.get(url, secure=True)
        assert response.status_code == 200, url
        assert "Content-Security-Policy" in response, url
        assert INLINE_SCRIPT.findall(response.content.decode()) == [], url
