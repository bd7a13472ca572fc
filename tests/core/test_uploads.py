"""Uploads are limited in size and type with clear errors, before anything changes: the whole
multipart request (`MAX_UPLOAD_BYTES`, checked before any parser streams it to disk) and each
endpoint's file (the bulk-grant CSV: 2 MB of UTF-8 text)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from rest_framework.test import APIClient

from tests.factories import UserFactory, make_programme
from tests.helpers import client_for
from wallets.models import FundingProgramme, Grant

pytestmark = pytest.mark.django_db


@pytest.fixture
def programme() -> FundingProgramme:
    return make_programme(budget=1_000_000, allowance=300_000, regions=["West Midlands"])


@pytest.fixture
def officer(programme: FundingProgramme) -> APIClient:
    return client_for(programme.funder.memberships.get().user, mfa=True)


def bulk_url(programme: FundingProgramme) -> str:
    return f"/api/v1/funder/programmes/{programme.pk}/grants/bulk"


def upload(client: APIClient, url: str, name: str, content: bytes, kind: str) -> dict[str, object]:
    response = client.post(
        url, {"file": SimpleUploadedFile(name, content, kind)}, format="multipart"
    )
    return {"status": response.status_code, **response.json()}


def test_a_multipart_request_over_the_upload_limit_is_a_413_before_it_is_parsed(
    programme: FundingProgramme, officer: APIClient
) -> None:
    UserFactory.create(email="ok@example.org")
    csv_bytes = b"email,amount\nok@example.org,100000\n" + b"# padding\n" * 200
    with override_settings(MAX_UPLOAD_BYTES=1_000):
        answer = upload(officer, bulk_url(programme), "grants.csv", csv_bytes, "text/csv")
    assert answer == {
        "status": 413,
        "detail": "The request body is larger than 1000 bytes.",
        "code": "payload_too_large",
        "extra": {"max_bytes": 1_000},
    }
    assert not Grant.objects.exists()


def test_a_bulk_grant_file_over_2_mb_is_a_400_naming_the_file(
    programme: FundingProgramme, officer: APIClient
) -> None:
    big = b"email,amount\n" + b"x" * 2_000_001
    answer = upload(officer, bulk_url(programme), "grants.csv", big, "text/csv")
    assert answer["status"] == 400
    assert answer["code"] == "invalid"
    assert answer["extra"] == {"fields": {"file": ["The file is larger than 2 MB."]}}
    assert not Grant.objects.exists()


def test_a_bulk_grant_file_that_is_not_text_is_a_400_naming_the_file(
    programme: FundingProgramme, officer: APIClient
) -> None:
    binary = b"\x89PNG\r\n\x1a\n\xff\xfe\x00binary"
    answer = upload(officer, bulk_url(programme), "grants.csv", binary, "image/png")
    assert answer["status"] == 400
    assert answer["extra"] == {"fields": {"file": ["The file is not UTF-8 text."]}}
    assert not Grant.objects.exists()
