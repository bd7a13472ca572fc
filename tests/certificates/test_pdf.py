"""The PDF: rendered after commit from shipped fonts, says what the certificate says, carries
a QR code to the verification page, and is downloaded byte-identical every time."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from typing import Any, cast

import pypdf
import pypdfium2
import pytest
import time_machine
import zxingcpp
from django.conf import settings
from django.core.files.storage import default_storage
from django.http import FileResponse
from weasyprint.urls import FatalURLFetchingError

from certificates.models import Certificate
from certificates.openbadges import verification_url
from certificates.pdf import (
    LocalFilesOnlyFetcher,
    ResourceRefused,
    certificate_pdf_bytes,
    fonts_dir,
    render_html,
)
from certificates.services import certificate_issue, certificate_pdf_store
from certificates.tasks import render_missing_pdfs
from tests.certificates.helpers import completed, issued
from tests.enrolments.helpers import World, make_world
from tests.factories import UserFactory
from tests.helpers import client_for
from wallets.services import grant_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> World:
    return make_world()


def pdf_text(data: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 1
    return " ".join(reader.pages[0].extract_text().split())


def qr_codes(data: bytes) -> list[str]:
    document = pypdfium2.PdfDocument(data)
    try:
        image = document[0].render(scale=2).to_pil()
    finally:
        document.close()
    return [barcode.text for barcode in zxingcpp.read_barcodes(image)]


def stored_bytes(certificate: Certificate) -> bytes:
    with default_storage.open(certificate.pdf.name, "rb") as handle:
        return handle.read()


def test_the_pdf_is_rendered_after_commit_not_in_the_request(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    enrolment = completed(world)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        certificate = certificate_issue(actor=world.provider_staff.user, enrolment=enrolment)
        certificate.refresh_from_db()
        assert not certificate.pdf  # nothing rendered inside the transaction
    assert len(callbacks) == 1
    callbacks[0]()
    certificate.refresh_from_db()
    assert certificate.pdf
    assert certificate.pdf_sha256 == hashlib.sha256(stored_bytes(certificate)).hexdigest()


def test_the_pdf_says_what_the_certificate_says(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    learner = UserFactory.create(full_name="Grace Li")
    grant_create(actor=world.officer, programme=world.programme, learner=learner)
    certificate = issued(world, django_capture_on_commit_callbacks, learner, grade="Merit")
    data = stored_bytes(certificate)

    reader = pypdf.PdfReader(io.BytesIO(data))
    width, height = float(reader.pages[0].mediabox.width), float(reader.pages[0].mediabox.height)
    assert (round(width), round(height)) == (842, 595)  # A4 landscape, in points
    text = pdf_text(data)
    assert "Grace Li" in text
    assert "Data Analyst Bootcamp" in text
    assert f"UKPRN {world.course.provider.ukprn}" in text
    assert world.course.provider.display_name in text
    assert f"Level {world.course.level}" in text
    assert f"{world.course.guided_learning_hours} guided learning hours" in text
    assert f"{world.cohort.start_date:%-d %B %Y} to {world.cohort.end_date:%-d %B %Y}" in text
    assert f"Completed on {certificate.completed_on:%-d %B %Y}" in text
    assert "Grade: Merit" in text
    assert "Skills: Software development" in text
    assert str(certificate.verification_id) in text
    assert reader.metadata is not None
    assert reader.metadata.title == "Certificate: Data Analyst Bootcamp (Grace Li)"


def test_the_qr_code_opens_the_verification_page(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    certificate = issued(world, django_capture_on_commit_callbacks)
    url = verification_url(certificate)
    assert url == f"http://127.0.0.1:8000/verify/{certificate.verification_id}"
    assert qr_codes(stored_bytes(certificate)) == [url]


def test_downloads_are_the_stored_file_byte_for_byte(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    certificate = issued(world, django_capture_on_commit_callbacks)
    learner = client_for(certificate.enrolment.learner)
    provider = client_for(world.provider_staff.user, mfa=True)
    downloads = [
        learner.get(f"/api/v1/certificates/mine/{certificate.verification_id}/pdf"),
        learner.get(f"/api/v1/certificates/mine/{certificate.verification_id}/pdf"),
        provider.get(f"/api/v1/provider/certificates/{certificate.verification_id}/pdf"),
    ]
    bodies = []
    for response in downloads:
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert "attachment" in response["Content-Disposition"]
        bodies.append(cast(FileResponse, response).getvalue())
    assert bodies[0] == bodies[1] == bodies[2] == stored_bytes(certificate)
    assert hashlib.sha256(bodies[0]).hexdigest() == certificate.pdf_sha256
    assert downloads[0]["ETag"] == f'"{certificate.pdf_sha256}"'


def test_rendering_again_keeps_the_first_file(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    certificate = issued(world, django_capture_on_commit_callbacks)
    first = (certificate.pdf.name, certificate.pdf_sha256, stored_bytes(certificate))
    again = certificate_pdf_store(certificate_id=certificate.pk)
    assert again is not None
    assert (again.pdf.name, again.pdf_sha256, stored_bytes(again)) == first


def test_the_same_certificate_renders_to_the_same_bytes(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    certificate = issued(world, django_capture_on_commit_callbacks)
    assert certificate_pdf_bytes(certificate) == certificate_pdf_bytes(certificate)


def test_another_learner_or_provider_cannot_download_it(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    certificate = issued(world, django_capture_on_commit_callbacks)
    stranger = client_for(UserFactory.create())
    other_staff = client_for(make_world().provider_staff.user, mfa=True)
    vid = certificate.verification_id
    assert stranger.get(f"/api/v1/certificates/mine/{vid}/pdf").status_code == 404
    assert other_staff.get(f"/api/v1/provider/certificates/{vid}/pdf").status_code == 404


def test_a_download_before_the_pdf_is_ready_says_so(world: World) -> None:
    certificate = certificate_issue(actor=world.provider_staff.user, enrolment=completed(world))
    response = client_for(certificate.enrolment.learner).get(
        f"/api/v1/certificates/mine/{certificate.verification_id}/pdf"
    )
    assert response.status_code == 409
    assert response.json()["code"] == "certificate_pdf_pending"


def test_the_renderer_loads_nothing_over_the_network() -> None:
    page = '<html><body><img src="http://198.51.100.7/logo.png"><p>Hi</p></body></html>'
    with pytest.raises(FatalURLFetchingError):
        render_html(page, identifier="test")
    stylesheet = (
        '<html><head><link rel="stylesheet" href="https://example.com/a.css"></head></html>'
    )
    with pytest.raises(FatalURLFetchingError):
        render_html(stylesheet, identifier="test")


def test_the_fetcher_serves_only_the_shipped_fonts_and_data_urls() -> None:
    fetcher = LocalFilesOnlyFetcher()
    for refused in (
        "https://fonts.example.com/font.ttf",
        "ftp://198.51.100.7/font.ttf",
        "file:///etc/passwd",
        "file:///work/../etc/passwd",
    ):
        with pytest.raises(ResourceRefused):
            fetcher.fetch(refused)
    font = fetcher.fetch((fonts_dir() / "DejaVuSans.ttf").as_uri())
    assert font.read(4) == b"\x00\x01\x00\x00"  # a TrueType font
    font.close()
    escape = (fonts_dir() / ".." / ".." / "manage.py").as_uri()
    with pytest.raises(ResourceRefused):
        fetcher.fetch(escape)
    assert fetcher.fetch("data:text/plain,hello").read() == b"hello"


def test_a_render_that_never_ran_is_picked_up_by_the_periodic_job(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    # The issuing commit's task was lost (a broker outage): no PDF.
    certificate = certificate_issue(actor=world.provider_staff.user, enrolment=completed(world))
    with (
        time_machine.travel(certificate.issued_at + dt.timedelta(minutes=5), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert render_missing_pdfs() == 0  # still within its grace period
    with time_machine.travel(certificate.issued_at + dt.timedelta(minutes=11), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            assert render_missing_pdfs() == 1
        certificate.refresh_from_db()
        assert certificate.pdf_sha256 == hashlib.sha256(stored_bytes(certificate)).hexdigest()
        assert render_missing_pdfs() == 0
    schedule = settings.CELERY_BEAT_SCHEDULE["render-missing-certificate-pdfs"]
    assert schedule["task"] == render_missing_pdfs.name
