"""The demo has a completed learner with an issued certificate, and prints its link."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from certificates.models import Certificate

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _debug_on(settings: Any) -> None:
    settings.DEBUG = True  # demo_load runs only in local development


def test_the_demo_certificate_is_issued_once_and_its_page_opens(
    django_capture_on_commit_callbacks: Any,
) -> None:
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("demo_load", stdout=out)
    call_command("demo_load", stdout=io.StringIO())
    certificate = Certificate.objects.get()
    assert certificate.enrolment.status == "completed"
    assert certificate.learner_name == "Grace Li"
    assert certificate.provider_name == "Brum Code Academy"
    assert certificate.pdf_sha256  # rendered inline at commit (no Redis in local development)
    line = re.search(r"Certificate of Grace Li \(.+\): (\S+)", out.getvalue())
    assert line is not None
    assert line.group(1) == f"http://127.0.0.1:8000/verify/{certificate.verification_id}"
    page = Client().get(f"/verify/{certificate.verification_id}")
    assert page.status_code == 200
    assert b"Grace Li" in page.content
    assert b"Valid certificate" in page.content
