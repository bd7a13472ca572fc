"""The public verification page (`/verify/<id>`, server-rendered, no login, no JavaScript,
no cookies, no third-party anything) and the JWKS at `/.well-known/jwks.json`.

An unknown or malformed id gets the same bare 404 page, so the page tells nothing about
ids that do not exist; every request counts against the per-IP verification limit.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from certificates.models import Certificate
from certificates.openbadges import public_jwks, verification_url
from certificates.selectors import (
    certificate_current,
    certificate_get_public,
    certificate_pdf_matches,
)
from certificates.verification import check_upload_length, read_pdf_upload, verification_wait
from core.errors import DomainError, NotFound

# Only our own stylesheet and fonts; no scripts, frames or third-party requests at all.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'self'; font-src 'self'; img-src 'self' data:; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)

View = Callable[..., HttpResponse]


def _private_page(view: View) -> View:
    """Headers for every answer of the page: no scripts, no referrer, not indexed, not cached."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        response["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
        response["Referrer-Policy"] = "no-referrer"
        response["X-Robots-Tag"] = "noindex, nofollow"
        response["Cache-Control"] = "no-store"
        return response

    return wrapper


def _throttled(wait: int) -> HttpResponse:
    response = HttpResponse(
        "Too many checks from your network. Wait a minute and try again.\n",
        status=429,
        content_type="text/plain; charset=utf-8",
    )
    response["Retry-After"] = str(wait)
    return response


def _not_found(request: HttpRequest) -> HttpResponse:
    return render(request, "certificates/not_found.html", status=404)


def _page(
    request: HttpRequest, certificate: Certificate, check: dict[str, Any] | None = None
) -> HttpResponse:
    current = certificate_current(certificate)
    return render(
        request,
        "certificates/verify.html",
        {
            "certificate": certificate,
            "verification_url": verification_url(certificate),
            "current": current if current.pk != certificate.pk else None,
            "check": check,
        },
        status=400 if check and check.get("error") else 200,
    )


@_private_page
@require_GET
def verify_page(request: HttpRequest, verification_id: str) -> HttpResponse:
    wait = verification_wait(request)
    if wait is not None:
        return _throttled(wait)
    try:
        certificate = certificate_get_public(verification_id=verification_id)
    except NotFound:
        return _not_found(request)
    return _page(request, certificate)


# No CSRF token: the form changes nothing and the page sets no cookie to protect.
@csrf_exempt
@_private_page
@require_http_methods(["POST"])
def verify_check(request: HttpRequest, verification_id: str) -> HttpResponse:
    """The page's "is this the genuine PDF?" form: compares the file's SHA-256."""
    wait = verification_wait(request)
    if wait is not None:
        return _throttled(wait)
    try:
        certificate = certificate_get_public(verification_id=verification_id)
    except NotFound:
        return _not_found(request)
    try:
        check_upload_length(request)
        data = read_pdf_upload(request.FILES.get("file"))
    except DomainError as refusal:
        return _page(request, certificate, {"error": refusal.detail})
    return _page(request, certificate, {"genuine": certificate_pdf_matches(certificate, data)})


@require_GET
def jwks(request: HttpRequest) -> JsonResponse:
    """The public keys that verify certificate credentials (current first, then retired)."""
    response = JsonResponse(public_jwks())
    response["Cache-Control"] = "public, max-age=3600"
    response["Access-Control-Allow-Origin"] = "*"
    return response
