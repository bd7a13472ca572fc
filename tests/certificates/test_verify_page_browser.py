"""The public verification page in a real browser (headless Chromium), with JavaScript off:
an employer opens the link, sees the certificate, checks the PDF they were sent, and later
sees it revoked. Screenshots go to test-artifacts/."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Browser, FilePayload, expect

from certificates.models import Certificate
from certificates.services import certificate_issue, certificate_revoke
from tests.browser import OffsiteRequests, screenshot
from tests.certificates.helpers import completed
from tests.enrolments.helpers import make_world
from tests.factories import UserFactory
from wallets.services import grant_create

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def certificate() -> Certificate:
    world = make_world()
    learner = UserFactory.create(full_name="Grace Li")
    grant_create(actor=world.officer, programme=world.programme, learner=learner)
    # A transactional test: the PDF task runs at commit, as it would in production.
    issued = certificate_issue(
        actor=world.provider_staff.user, enrolment=completed(world, learner), grade="Merit"
    )
    issued.refresh_from_db()
    assert issued.pdf
    return issued


def pdf_bytes(certificate: Certificate) -> bytes:
    with certificate.pdf.open("rb") as handle:
        return handle.read()


def pdf_payload(data: bytes) -> FilePayload:
    return {"name": "certificate.pdf", "mimeType": "application/pdf", "buffer": data}


def test_an_employer_checks_a_certificate_without_javascript(
    browser: Browser, live_server: Any, certificate: Certificate
) -> None:
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": 1100, "height": 900}, locale="en-GB"
    )
    page = context.new_page()
    offsite = OffsiteRequests(page, live_server.url)
    loaded: list[str] = []
    page.on("response", lambda r: loaded.append(r.url) if r.status == 200 else None)
    try:
        response = page.goto(f"{live_server.url}/verify/{certificate.verification_id}")
        assert response is not None
        assert response.status == 200
        expect(page.get_by_role("heading", name="Valid certificate")).to_be_visible()
        expect(page.locator("dd.learner")).to_have_text("Grace Li")
        expect(page.locator("dd.course")).to_have_text("Data Analyst Bootcamp")
        expect(page.locator("dd.issuer")).to_contain_text(f"UKPRN {certificate.provider_ukprn}")
        # Our stylesheet and fonts loaded (the status panel is styled), from this site only.
        expect(page.locator(".status-valid")).to_have_css("border-left-width", "8px")
        assert any(url.endswith("/static/certificates/verify.css") for url in loaded)
        assert any(url.endswith("/static/fonts/DejaVuSans.ttf") for url in loaded)
        assert context.cookies() == []
        shot = screenshot(page, "certificate-verify-valid")
        assert shot.stat().st_size > 10_000

        # The employer uploads the PDF they were sent.
        page.set_input_files(
            "input#file",
            files=[pdf_payload(pdf_bytes(certificate))],
        )
        page.get_by_role("button", name="Check the PDF").click()
        expect(page.get_by_role("status")).to_have_text("This PDF is the genuine certificate file.")
        screenshot(page, "certificate-verify-genuine-pdf")

        forged = bytearray(pdf_bytes(certificate))
        forged[len(forged) // 2] ^= 0x01
        page.set_input_files(
            "input#file",
            files=[pdf_payload(bytes(forged))],
        )
        page.get_by_role("button", name="Check the PDF").click()
        expect(page.get_by_role("status")).to_contain_text("not the file that was issued")

        # Later the provider revokes it; the same link says so, with the reason.
        certificate_revoke(
            actor=certificate.issued_by,
            certificate=certificate,
            reason="Attendance records were falsified.",
        )
        page.goto(f"{live_server.url}/verify/{certificate.verification_id}")
        expect(page.get_by_role("heading", name="Revoked certificate")).to_be_visible()
        expect(page.locator(".reason")).to_contain_text("Attendance records were falsified.")
        screenshot(page, "certificate-verify-revoked")

        missing = page.goto(f"{live_server.url}/verify/00000000-0000-4000-8000-000000000000")
        assert missing is not None
        assert missing.status == 404
        expect(page.get_by_role("heading", name="Certificate not found")).to_be_visible()
        assert offsite.urls == []
    finally:
        context.close()
