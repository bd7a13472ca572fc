"""One error body for the whole API: `{"detail": str, "code": str, "extra": dict}`.

Domain errors subclass `DomainError` with a stable `code` and an HTTP status; the DRF
exception handler below turns them, DRF's own exceptions and Django's 404/403 into the body.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response

from core.db import is_transient

logger = logging.getLogger(__name__)


class DomainError(Exception):
    """A refusal the caller can act on; subclasses set `code`, `status_code`, `default_detail`."""

    code: str = "domain_error"
    status_code: int = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail: str = "The request was refused."

    def __init__(self, detail: str | None = None, **extra: Any) -> None:
        self.detail = detail or self.default_detail
        self.extra = extra
        super().__init__(self.detail)


class NotFound(DomainError):
    code = "not_found"
    status_code = status.HTTP_404_NOT_FOUND
    default_detail = "Not found."


class Forbidden(DomainError):
    code = "permission_denied"
    status_code = status.HTTP_403_FORBIDDEN
    default_detail = "You do not have permission to perform this action."


class Conflict(DomainError):
    code = "conflict"
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the current state."


class InvalidInput(DomainError):
    code = "invalid"
    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = "Invalid input."


def error_body(detail: str, code: str, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"detail": detail, "code": code, "extra": extra or {}}


def _first_message(detail: Any) -> str:
    """The first human-readable message in a DRF validation detail (nested dicts and lists)."""
    if isinstance(detail, dict):
        for key, value in detail.items():
            message = _first_message(value)
            if message:
                return message if key == "non_field_errors" else f"{key}: {message}"
    elif isinstance(detail, list):
        for item in detail:
            message = _first_message(item)
            if message:
                return message
    elif detail:
        return str(detail)
    return ""


_DRF_CODES: dict[type[exceptions.APIException], str] = {
    exceptions.NotAuthenticated: "not_authenticated",
    exceptions.AuthenticationFailed: "authentication_failed",
    exceptions.PermissionDenied: "permission_denied",
    exceptions.NotFound: "not_found",
    exceptions.MethodNotAllowed: "method_not_allowed",
    exceptions.NotAcceptable: "not_acceptable",
    exceptions.UnsupportedMediaType: "unsupported_media_type",
    exceptions.ParseError: "parse_error",
    exceptions.Throttled: "throttled",
}


RETRY_AFTER_SECONDS = 2


def unavailable_body() -> dict[str, Any]:
    return error_body(
        # A lost connection may end a request whose transaction committed: say what holds.
        "The service is busy or was interrupted. Try again shortly: with the same "
        "Idempotency-Key, a retry never repeats a money movement.",
        "service_unavailable",
        {"retry_after_seconds": RETRY_AFTER_SECONDS},
    )


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    headers: dict[str, str] = {}
    if is_transient(exc):
        logger.warning("database busy or unreachable: %s", type(exc).__name__)
        return Response(
            unavailable_body(),
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )
    if isinstance(exc, DomainError):
        return Response(error_body(exc.detail, exc.code, exc.extra), status=exc.status_code)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    if not isinstance(exc, exceptions.APIException):
        return None  # a real bug: let Django log it and answer 500

    if isinstance(exc, exceptions.ValidationError):
        body = error_body(
            _first_message(exc.detail) or "Invalid input.", "invalid", {"fields": exc.detail}
        )
    else:
        code = _DRF_CODES.get(type(exc)) or (
            exc.default_code if isinstance(exc.default_code, str) else "error"
        )
        extra: dict[str, Any] = {}
        wait = getattr(exc, "wait", None)
        if isinstance(exc, exceptions.Throttled) and wait is not None:
            extra["retry_after_seconds"] = max(1, int(wait))
            headers["Retry-After"] = str(max(1, int(wait)))
        body = error_body(_first_message(exc.detail), code, extra)
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header  # type: ignore[attr-defined]
    return Response(body, status=exc.status_code, headers=headers)


def error_body_for_status(request: HttpRequest, status_code: int) -> dict[str, Any]:
    """The error body for a response Django made without one (its handlers, debug pages)."""
    if status_code == 404:
        return error_body("Not found.", "not_found", {"path": request.path})
    if status_code == 403:
        return error_body("Forbidden.", "permission_denied")
    if status_code == 405:
        return error_body("Method not allowed.", "method_not_allowed")
    if status_code >= 500:
        return error_body(
            "Internal server error.",
            "server_error",
            {"request_id": request.META.get("REQUEST_ID", "")},
        )
    return error_body("Bad request.", "bad_request")


# Django-level handlers, for URLs outside DRF views (unknown paths, crashes).
def handler404(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return JsonResponse(error_body_for_status(request, 404), status=404)


def handler400(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return JsonResponse(error_body_for_status(request, 400), status=400)


def handler403(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return JsonResponse(error_body_for_status(request, 403), status=403)


def handler500(request: HttpRequest) -> JsonResponse:
    return JsonResponse(error_body_for_status(request, 500), status=500)


def csrf_failure(request: HttpRequest, reason: str = "") -> JsonResponse:
    return JsonResponse(
        error_body("CSRF check failed.", "csrf_failed", {"reason": reason}), status=403
    )
