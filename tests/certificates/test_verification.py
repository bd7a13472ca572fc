"""Public verification: the page and the API show issuer, learner, course, dates and status;
an unknown id is a bare 404; an uploaded PDF is checked against the stored hash; no
tracking; and the whole surface is rate-limited per client IP."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from certificates.models import Certificate
from certificates.services import certificate_reissue, certificate_revoke
from tests.certificates.helpers import issued
from tests.enrolments.helpers import World, make_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> World:
    return make_world()


@pytest.fixture
def certificate(world: World, django_capture_on_commit_callbacks: Any) -> Certificate:
    return issued(world, django_capture_on_commit_callbacks, grade="Distinction")


def genuine_pdf(certificate: Certificate) -> bytes:
    with certificate.pdf.open("rb") as handle:
        return handle.read()


def one_byte_changed(data: bytes) -> bytes:
    changed = bytearray(data)
    changed[len(changed) // 2] ^= 0x01
    assert bytes(changed) != data
    return bytes(changed)


def page(certificate_or_id: Certificate | str) -> Any:
    vid = getattr(certificate_or_id, "verification_id", certificate_or_id)
    return Client().get(f"/verify/{vid}")


def text_of(response: Any) -> str:
    html = response.content.decode()
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_the_api_shows_issuer_learner_course_dates_and_status(certificate: Certificate) -> None:
    response = Client().get(f"/api/v1/certificates/verify/{certificate.verification_id}")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "valid"
    assert body["issuer"] == {
        "name": certificate.provider_name,
        "ukprn": certificate.provider_ukprn,
    }
    assert body["learner_name"] == certificate.learner_name
    assert body["course_title"] == "Data Analyst Bootcamp"
    assert body["cohort_start_date"] == str(certificate.cohort_start_date)
    assert body["cohort_end_date"] == str(certificate.cohort_end_date)
    assert body["completed_on"] == str(certificate.completed_on)
    assert body["grade"] == "Distinction"
    assert body["pdf_sha256"] == certificate.pdf_sha256
    assert body["revoked_at"] is None
    assert body["current_verification_id"] is None
    assert "learner_email" not in body  # the public record holds nothing beyond the certificate


def test_the_page_shows_the_same_without_login(certificate: Certificate) -> None:
    response = page(certificate)
    assert response.status_code == 200
    text = text_of(response)
    assert "Valid certificate" in text
    assert certificate.learner_name in text
    assert "Data Analyst Bootcamp" in text
    assert f"{certificate.provider_name} (UKPRN {certificate.provider_ukprn})" in text
    assert (
        f"{certificate.cohort_start_date:%-d %B %Y} to {certificate.cohort_end_date:%-d %B %Y}"
        in (text)
    )
    assert f"Completed on {certificate.completed_on:%-d %B %Y}" in text


def test_the_page_needs_no_javascript_sets_no_cookie_and_loads_nothing_foreign(
    certificate: Certificate,
) -> None:
    response = page(certificate)
    html = response.content.decode()
    assert "<script" not in html.lower()
    assert not response.cookies
    assert "script-src" not in response["Content-Security-Policy"]
    assert response["Content-Security-Policy"].startswith("default-src 'none'")
    assert response["Referrer-Policy"] == "no-referrer"
    assert "noindex" in response["X-Robots-Tag"]
    # Every URL the page refers to is on this site.
    for url in re.findall(r'(?:href|src|action)="([^"]+)"', html):
        assert url.startswith("/"), url


@pytest.mark.parametrize("unknown", [str(uuid.uuid4()), "not-a-uuid", "1", "%00", "0" * 200])
def test_an_unknown_or_malformed_id_is_a_bare_404(certificate: Certificate, unknown: str) -> None:
    response = Client().get(f"/verify/{unknown}")
    assert response.status_code == 404
    assert response.content == page(str(uuid.uuid4())).content  # always the same page
    text = text_of(response)
    assert "Certificate not found" in text
    assert certificate.learner_name not in text
    api = Client().get(f"/api/v1/certificates/verify/{uuid.uuid4()}")
    assert api.status_code == 404
    assert api.json()["code"] == "not_found"


def test_revocation_shows_on_the_page_and_the_api(world: World, certificate: Certificate) -> None:
    certificate_revoke(
        actor=world.provider_staff.user,
        certificate=certificate,
        reason="Attendance records were found to be falsified.",
    )
    certificate.refresh_from_db()
    text = text_of(page(certificate))
    assert "Revoked certificate" in text
    assert "Attendance records were found to be falsified." in text
    assert f"{certificate.revoked_at:%-d %B %Y}" in text
    body = Client().get(f"/api/v1/certificates/verify/{certificate.verification_id}").json()
    assert body["status"] == "revoked"
    assert body["revocation_reason"] == "Attendance records were found to be falsified."
    assert body["revoked_at"] is not None


def test_a_superseded_version_links_to_the_current_one(
    world: World, certificate: Certificate, django_capture_on_commit_callbacks: Any
) -> None:
    learner = certificate.enrolment.learner
    learner.full_name = "Grace Li-Okafor"
    learner.save(update_fields=["full_name"])
    with django_capture_on_commit_callbacks(execute=True):
        current = certificate_reissue(
            actor=world.provider_staff.user, certificate=certificate, reason="Name corrected."
        )
    response = page(certificate)
    assert "Superseded certificate" in text_of(response)
    assert f'href="/verify/{current.verification_id}"' in response.content.decode()
    body = Client().get(f"/api/v1/certificates/verify/{certificate.verification_id}").json()
    assert body["status"] == "superseded"
    assert body["current_verification_id"] == str(current.verification_id)
    assert body["current_verification_url"].endswith(f"/verify/{current.verification_id}")
    assert "Grace Li-Okafor" in text_of(page(current))


def test_the_hash_check_accepts_the_genuine_pdf_and_rejects_a_one_byte_change(
    certificate: Certificate,
) -> None:
    data = genuine_pdf(certificate)
    url = f"/api/v1/certificates/verify/{certificate.verification_id}/check"

    genuine = Client().post(url, {"file": SimpleUploadedFile("c.pdf", data)})
    assert genuine.status_code == 200
    assert genuine.json() == {
        "verification_id": str(certificate.verification_id),
        "genuine": True,
        "status": "valid",
    }
    forged = Client().post(url, {"file": SimpleUploadedFile("c.pdf", one_byte_changed(data))})
    assert forged.json()["genuine"] is False


def test_the_page_checks_an_uploaded_pdf_too(certificate: Certificate) -> None:
    url = f"/verify/{certificate.verification_id}/check"
    data = genuine_pdf(certificate)
    ok = Client().post(url, {"file": SimpleUploadedFile("c.pdf", data)})
    assert "This PDF is the genuine certificate file." in text_of(ok)
    bad = Client().post(url, {"file": SimpleUploadedFile("c.pdf", one_byte_changed(data))})
    assert "This PDF is not the file that was issued" in text_of(bad)


def test_the_hash_check_refuses_what_is_not_a_pdf_or_too_large(
    certificate: Certificate, settings: Any
) -> None:
    url = f"/api/v1/certificates/verify/{certificate.verification_id}/check"
    not_pdf = Client().post(url, {"file": SimpleUploadedFile("c.pdf", b"GIF89a....")})
    assert not_pdf.status_code == 400
    assert not_pdf.json()["code"] == "not_a_pdf"
    missing = Client().post(url, {})
    assert missing.status_code == 400
    assert missing.json()["code"] == "file_missing"
    settings.CERTIFICATE_CHECK_MAX_BYTES = 1000
    big = Client().post(url, {"file": SimpleUploadedFile("c.pdf", b"%PDF-" + b"0" * 2000)})
    assert big.status_code == 400
    assert big.json()["code"] == "file_too_large"
    assert big.json()["extra"] == {"max_bytes": 1000}
    huge = Client().post(url, {"file": SimpleUploadedFile("c.pdf", b"%PDF-" + b"0" * 100_000)})
    assert huge.json()["code"] == "file_too_large"  # refused from Content-Length alone
    on_page = Client().post(
        f"/verify/{certificate.verification_id}/check",
        {"file": SimpleUploadedFile("c.pdf", b"%PDF-" + b"0" * 2000)},
    )
    assert on_page.status_code == 400
    assert "larger than a certificate PDF can be" in text_of(on_page)


def test_verification_is_rate_limited_per_client_ip(
    certificate: Certificate, settings: Any
) -> None:
    settings.CERTIFICATE_VERIFY_RATE = "3/min"
    vid = certificate.verification_id
    me = Client(REMOTE_ADDR="203.0.113.5")
    assert me.get(f"/verify/{vid}").status_code == 200
    assert me.get(f"/api/v1/certificates/verify/{vid}").status_code == 200
    assert me.get(f"/verify/{uuid.uuid4()}").status_code == 404  # misses count too
    throttled_page = me.get(f"/verify/{vid}")
    assert throttled_page.status_code == 429
    assert int(throttled_page["Retry-After"]) >= 1
    throttled_api = me.get(f"/api/v1/certificates/verify/{vid}")
    assert throttled_api.status_code == 429
    assert throttled_api.json()["code"] == "throttled"
    assert me.get(f"/api/v1/certificates/{vid}/status").status_code == 429
    # Someone else is not held up.
    assert Client(REMOTE_ADDR="198.51.100.9").get(f"/verify/{vid}").status_code == 200
