"""OpenAPI pieces shared by every API view: the error body and its standard responses (the
schema class that completes every operation's description is in core/openapi.py)."""

import threading
from typing import Any

from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from drf_spectacular.views import SpectacularAPIView
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

ErrorSerializer = inline_serializer(
    name="Error",
    fields={
        "detail": serializers.CharField(help_text="A human-readable message."),
        "code": serializers.CharField(help_text="A stable machine-readable code."),
        "extra": serializers.DictField(help_text="Details, e.g. field errors under `fields`."),
    },
)


def error(description: str) -> OpenApiResponse:
    return OpenApiResponse(response=ErrorSerializer, description=description)


ERROR_RESPONSES = {
    400: error("Invalid input (`invalid`, `parse_error`)."),
    401: error("Not signed in (`not_authenticated`)."),
    403: error("Not allowed (`permission_denied`, `mfa_required`)."),
    429: error("Too many requests (`throttled`)."),
}
NOT_FOUND = {404: error("Not found, or outside your memberships (`not_found`).")}

IDEMPOTENCY_HEADER = OpenApiParameter(
    "Idempotency-Key",
    str,
    OpenApiParameter.HEADER,
    required=False,
    description="Retry-safe: the same key and body return the first answer; another body is 409.",
)


class SchemaView(SpectacularAPIView):
    """The OpenAPI schema, generated one request at a time.

    drf-spectacular loads its extension classes lazily and not thread-safely: two first
    requests at once in a threaded server answered 500. A lock serialises generation.
    """

    _lock = threading.Lock()

    @extend_schema(exclude=True)
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        with self._lock:
            return super().get(request, *args, **kwargs)
