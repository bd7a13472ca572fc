"""`Idempotency-Key` for money-moving API endpoints.

The same key with the same request returns the first answer (header `Idempotent-Replayed:
true`); the same key with a different request is refused with 409 `idempotency_conflict`.
Requests with one key are serialised by a PostgreSQL advisory lock, so two concurrent
retries cannot both run. Only successful answers are stored: a refused request changed
nothing and may be retried with the same key. Services also pass the key to the ledger,
whose unique idempotency keys stop a double posting even if this layer were bypassed.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from collections.abc import Callable
from typing import Any

from django.db import connection
from rest_framework.request import Request
from rest_framework.response import Response

from config.errors import Conflict, InvalidInput

_KEY = re.compile(r"^[\x21-\x7e]{1,200}$")  # printable ASCII, no spaces


class IdempotencyConflict(Conflict):
    code = "idempotency_conflict"
    default_detail = "This Idempotency-Key was already used for a different request."


class InvalidIdempotencyKey(InvalidInput):
    code = "invalid_idempotency_key"
    default_detail = "Idempotency-Key must be 1 to 200 printable characters without spaces."


def idempotency_key_of(request: Request) -> str | None:
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return None
    if not _KEY.match(key):
        raise InvalidIdempotencyKey()
    return key


def _fingerprint(request: Request) -> str:
    try:
        body: Any = request.data
        if hasattr(body, "dict"):
            body = {
                k: (v if isinstance(v, str) else getattr(v, "name", repr(v)))
                for k, v in body.items()
            }
        if hasattr(request, "FILES"):
            body = {
                "data": body,
                "files": {
                    k: hashlib.sha256(f.read()).hexdigest() for k, f in request.FILES.items()
                },
            }
            for f in request.FILES.values():
                f.seek(0)
        canonical = json.dumps([request.method, request.path, body], sort_keys=True, default=str)
    except (TypeError, ValueError):
        canonical = json.dumps([request.method, request.path])
    return hashlib.sha256(canonical.encode()).hexdigest()


def _lock_id(user_id: int, key: str) -> int:
    digest = hashlib.sha256(f"{user_id}:{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def idempotent(method: Callable[..., Response]) -> Callable[..., Response]:
    """Decorate an APIView method that moves money."""

    @functools.wraps(method)
    def wrapper(view: Any, request: Request, *args: Any, **kwargs: Any) -> Response:
        from users.models import IdempotencyRecord

        key = idempotency_key_of(request)
        if key is None or not request.user.is_authenticated:
            return method(view, request, *args, **kwargs)
        fingerprint = _fingerprint(request)
        lock_id = _lock_id(request.user.pk, key)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [lock_id])
        try:
            record = IdempotencyRecord.objects.filter(user=request.user, key=key).first()
            if record is not None:
                if record.fingerprint != fingerprint:
                    raise IdempotencyConflict()
                return Response(
                    record.response_body,
                    status=record.response_status,
                    headers={"Idempotent-Replayed": "true"},
                )
            response = method(view, request, *args, **kwargs)
            if 200 <= response.status_code < 300:
                IdempotencyRecord.objects.create(
                    user=request.user,
                    key=key,
                    fingerprint=fingerprint,
                    response_status=response.status_code,
                    response_body=response.data,
                )
            return response
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [lock_id])

    return wrapper
