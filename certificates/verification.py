"""What the public verification endpoints share: one rate limit per client IP (page, API,
PDF check and credential status draw on the same allowance), and reading an uploaded PDF
within its size and type limits."""

from __future__ import annotations

import math
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView

from certificates.errors import UploadNotPdf, UploadTooLarge
from core.errors import InvalidInput

# Room for the multipart envelope around the file itself.
MULTIPART_OVERHEAD = 64 * 1024


class VerificationRateThrottle(SimpleRateThrottle):
    """`CERTIFICATE_VERIFY_RATE` requests per client IP, signed in or not: verification ids
    are random, and this keeps anyone from trying them in bulk."""

    scope = "certificate_verify"

    def get_rate(self) -> str:
        return str(settings.CERTIFICATE_VERIFY_RATE)

    def get_cache_key(self, request: Any, view: Any) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


def verification_wait(request: HttpRequest) -> int | None:
    """For the server-rendered page: None when allowed, else seconds to wait."""
    throttle = VerificationRateThrottle()
    if throttle.allow_request(Request(request), APIView()):
        return None
    return max(1, math.ceil(throttle.wait() or 1))


class UploadMissing(InvalidInput):
    code = "file_missing"
    default_detail = "Choose the certificate's PDF file."


def check_upload_length(request: HttpRequest) -> None:
    """Refuse an oversized upload from its declared length, before reading any of it."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    limit = settings.CERTIFICATE_CHECK_MAX_BYTES
    if length > limit + MULTIPART_OVERHEAD:
        raise UploadTooLarge(max_bytes=limit)


def read_pdf_upload(upload: UploadedFile | None) -> bytes:
    """The uploaded file's bytes, when it is a PDF within the size limit."""
    if upload is None:
        raise UploadMissing()
    limit = settings.CERTIFICATE_CHECK_MAX_BYTES
    if upload.size is not None and upload.size > limit:
        raise UploadTooLarge(max_bytes=limit)
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise UploadTooLarge(max_bytes=limit)
    if not data.startswith(b"%PDF-"):
        raise UploadNotPdf()
    return data
