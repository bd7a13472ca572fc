"""Request ids, the project's error body under /api/ whatever the settings, and on
django-allauth headless error responses."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from config.logging import request_id_var
from core.errors import handler400, handler403, handler404, handler500

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

    With DEBUG, Django answers unknown URLs and crashes with its HTML debug pages instead of
    the handlers (core.errors.handler404/500); API clients must never have to parse those.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            request.path.startswith("/api/")
            and response.status_code >= 400
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            if response.status_code == 400:
                return handler400(request)
            if response.status_code == 403:
                return handler403(request)
            if response.status_code == 404:
                return handler404(request)
            if response.status_code >= 500:
                return handler500(request)
        return response


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
