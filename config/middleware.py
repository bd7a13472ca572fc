"""Request ids; the project's error body under /api/ whatever the settings, and on
django-allauth headless error responses; a guard on request bodies before any parser; the
Content-Security-Policy header on HTML pages."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse

from config.logging import request_id_var
from core.errors import error_body, error_body_for_status
from core.input_guard import MAX_JSON_DEPTH, json_too_deep

_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class RequestIdMiddleware:
    """Takes `X-Request-ID` from the caller when it is sane, else makes one; echoes it back."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _SAFE_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        request.META["REQUEST_ID"] = request_id
        token = request_id_var.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(token)
        response["X-Request-ID"] = request_id
        return response


class ApiErrorBodyMiddleware:
    """Under `/api/`, every error is the JSON error body, also with DEBUG on.

    With DEBUG, Django answers unknown URLs, bad requests and crashes with its HTML debug
    pages instead of the handlers (core.errors.handler404/500); API clients must never have
    to parse those. The response is changed in place, so Django's record that it already
    logged a crash (once, with its traceback) still holds and nothing is logged twice.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            request.path.startswith("/api/")
            and response.status_code >= 400
            and not response.get("Content-Type", "").startswith("application/json")
            and not getattr(response, "streaming", False)
        ):
            response.content = json.dumps(
                error_body_for_status(request, response.status_code)
            ).encode()
            response["Content-Type"] = "application/json"
        return response


_BODY_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


class RequestBodyGuardMiddleware:
    """Refuses a body that must not reach a parser, before any view reads it.

    A JSON body nested deeper than `core.input_guard.MAX_JSON_DEPTH` is a 400 `parse_error`
    (Python's json would raise RecursionError: a 500), on the API and on allauth's
    endpoints, which parse every body as JSON; a body over `DATA_UPLOAD_MAX_MEMORY_SIZE` is
    a 413. A multipart upload is never read here: one whose declared length is over
    `MAX_UPLOAD_BYTES` is a 413 before its parser streams it to disk (Django's own limit does
    not count uploaded files); each endpoint then checks its file's size and type.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method in _BODY_METHODS:
            multipart = (request.content_type or "").startswith("multipart/")
            refusal = _refuse_upload(request) if multipart else _refuse_body(request)
            if refusal is not None:
                return refusal
        return self.get_response(request)


def _too_large(limit: int) -> JsonResponse:
    return JsonResponse(
        error_body(
            f"The request body is larger than {limit} bytes.",
            "payload_too_large",
            {"max_bytes": limit},
        ),
        status=413,
    )


def _refuse_upload(request: HttpRequest) -> JsonResponse | None:
    """A 413 for a multipart body declared larger than `MAX_UPLOAD_BYTES`, else None."""
    limit: int = settings.MAX_UPLOAD_BYTES
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    return _too_large(limit) if length > limit else None


def _refuse_body(request: HttpRequest) -> JsonResponse | None:
    """The error response for a body that must not reach a parser, else None."""
    try:
        body = request.body
    except RequestDataTooBig:
        return _too_large(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
    if json_too_deep(body):
        return JsonResponse(
            error_body(
                f"The JSON body is nested too deeply (at most {MAX_JSON_DEPTH} levels).",
                "parse_error",
                {"max_depth": MAX_JSON_DEPTH},
            ),
            status=400,
        )
    return None


_ALLAUTH_STATUS_CODES = {
    400: "invalid",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    409: "conflict",
    429: "throttled",
}


_THROTTLE_CODES = {"too_many_login_attempts"}


class AllauthErrorBodyMiddleware:
    """Adds `detail`, `code` and `extra` to allauth headless errors, keeping allauth's own keys.

    allauth's clients read `status`, `errors`, `meta` and `data`; ours read the project body.
    A 401 that carries authentication flows is part of allauth's protocol and is annotated too.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            request.path.startswith("/_allauth/")
            and response.status_code >= 400
            and response.get("Content-Type", "").startswith("application/json")
        ):
            try:
                body = json.loads(response.content)
            except ValueError:
                return response
            if isinstance(body, dict) and "code" not in body:
                errors = body.get("errors") or []
                first = errors[0] if errors and isinstance(errors[0], dict) else {}
                code = first.get("code") or _ALLAUTH_STATUS_CODES.get(response.status_code, "error")
                if response.status_code == 401 and not errors:
                    code = "not_authenticated"
                detail = first.get("message") or _default_detail(response.status_code)
                if first.get("param"):
                    detail = f"{first['param']}: {detail}"
                body.update({"detail": detail, "code": code, "extra": {"errors": errors}})
                if code in _THROTTLE_CODES:
                    # allauth reports lockouts as a form error; callers should see a 429.
                    response.status_code = body["status"] = 429
                response.content = json.dumps(body).encode()
        return response


def _default_detail(status_code: int) -> str:
    return {
        401: "Authentication is required or pending.",
        403: "Forbidden.",
        404: "Not found.",
        409: "Conflict.",
        429: "Too many attempts; try again later.",
    }.get(status_code, "Invalid request.")


class ContentSecurityPolicyMiddleware:
    """Sends `CONTENT_SECURITY_POLICY` (when set) on every HTML response that has none.

    The default policy (config/settings/base.py) allows our own static files only: no inline
    script, no remote anything, no framing. JSON, PDFs and CSV need no policy.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        policy: str = settings.CONTENT_SECURITY_POLICY
        if (
            policy
            and response.get("Content-Type", "").startswith("text/html")
            and "Content-Security-Policy" not in response
        ):
            response["Content-Security-Policy"] = policy
        return response
