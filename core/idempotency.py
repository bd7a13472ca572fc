"""`Idempotency-Key` for money-moving API endpoints.

The same user sending the same key to the same operation with the same request gets the
first answer back (header `Idempotent-Replayed: true`); with a different request, 409
`idempotency_conflict`. Another user, or another operation, with the same key value is a
different request.

How it holds after a crash: the request runs inside one transaction that first claims the
key (an `INSERT … ON CONFLICT DO NOTHING` on a unique index), then runs the service, then
stores the answer in the claimed row. The effect and its stored answer commit together or
not at all, so a retry after a lost connection either finds the first answer or runs
afresh. A second request with the same key waits on the unique index until the first
commits (then replays its answer) or rolls back (then runs itself). Nothing depends on a
session-level lock, so this works through PgBouncer in transaction mode.

Only successful answers are stored: a refused request changes nothing and may be retried
with the same key. Records expire after `IDEMPOTENCY_TTL_HOURS` (default 24), removed by
the periodic task `core.expire_idempotency_records`.

Services also give the ledger keys derived from the client's key (`scoped_key`), so a
double posting is refused by PostgreSQL even if this layer were bypassed. Inside a request,
the derived key is also bound to this claim of the client's key: once a record has expired,
its key is free for a new request, at the ledger too.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import re
import secrets
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from rest_framework.request import Request
from rest_framework.response import Response

from core.db import retry_on_transient_conflict
from core.errors import Conflict, InvalidInput
from core.models import IdempotencyRecord

_KEY = re.compile(r"^[\x21-\x7e]{1,200}$")  # printable ASCII, no spaces
REPLAYED_HEADER = "Idempotent-Replayed"
# A fresh token per claim of a key, for the ledger keys derived while the request runs.
_claim_token: ContextVar[str | None] = ContextVar("idempotency_claim_token", default=None)


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


def scoped_key(*parts: object, key: str | None) -> str | None:
    """A ledger idempotency key from a client's key and what scopes it (user, object, …).

    The client's key is hashed, so the result always fits the ledger's 200 characters.
    """
    if key is None:
        return None
    claim = _claim_token.get()
    digest = hashlib.sha256((key if claim is None else f"{key}\n{claim}").encode()).hexdigest()
    digest = digest[:40]
    return ":".join([*(str(part) for part in parts), digest])


def _fingerprint(request: Request) -> str:
    """What makes two requests "the same": method, path and the parsed body (files hashed)."""
    body: Any = request.data
    if hasattr(body, "dict"):
        body = {
            k: (v if isinstance(v, str) else getattr(v, "name", repr(v))) for k, v in body.items()
        }
    files = getattr(request, "FILES", None) or {}
    if files:
        hashed = {}
        for name, upload in files.items():
            hashed[name] = hashlib.sha256(upload.read()).hexdigest()
            upload.seek(0)
        body = {"data": body, "files": hashed}
    canonical = json.dumps([request.method, request.path, body], sort_keys=True, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _claim(
    *, user_id: int, operation: str, key: str, fingerprint: str, now: dt.datetime
) -> IdempotencyRecord | None:
    """Claim the key for this transaction; or return the committed record that holds it.

    Waits (on the unique index) while another transaction holds the same key.
    """
    expires = now + dt.timedelta(hours=settings.IDEMPOTENCY_TTL_HOURS)
    table = IdempotencyRecord._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} "  # noqa: S608 (the table name is ours, values are bound)
            "(user_id, operation, key, fingerprint, created_at, expires_at) "
            "VALUES (%s, %s, %s, %s, %s, %s) "
            "ON CONFLICT (user_id, operation, key) DO NOTHING RETURNING id",
            [user_id, operation, key, fingerprint, now, expires],
        )
        if cursor.fetchone() is not None:
            return None
    record = IdempotencyRecord.objects.select_for_update().get(
        user_id=user_id, operation=operation, key=key
    )
    if record.expires_at <= now:
        # An expired key is free again: take the row over for this request.
        record.fingerprint, record.created_at, record.expires_at = fingerprint, now, expires
        record.response_status = record.response_body = None
        record.save()
        return None
    return record


def idempotent(method: Callable[..., Response]) -> Callable[..., Response]:
    """Decorate an APIView method that moves money (see the module docstring).

    The wrapper carries `idempotent = True`: tests/core/test_money_endpoints.py checks that
    every money-moving endpoint has it.
    """

    @functools.wraps(method)
    def wrapper(view: Any, request: Request, *args: Any, **kwargs: Any) -> Response:
        key = idempotency_key_of(request)
        if key is None or not request.user.is_authenticated:
            return method(view, request, *args, **kwargs)
        operation = f"{type(view).__name__}.{request.method}"
        fingerprint = _fingerprint(request)
        user_id: int = request.user.pk

        def attempt() -> Response:
            with transaction.atomic():
                existing = _claim(
                    user_id=user_id,
                    operation=operation,
                    key=key,
                    fingerprint=fingerprint,
                    now=timezone.now(),
                )
                if existing is not None:
                    if existing.fingerprint != fingerprint:
                        raise IdempotencyConflict()
                    return Response(
                        existing.response_body,
                        status=existing.response_status,
                        headers={REPLAYED_HEADER: "true"},
                    )
                token = _claim_token.set(secrets.token_hex(16))
                try:
                    response = method(view, request, *args, **kwargs)
                finally:
                    _claim_token.reset(token)
                if 200 <= response.status_code < 300:
                    IdempotencyRecord.objects.filter(
                        user_id=user_id, operation=operation, key=key
                    ).update(response_status=response.status_code, response_body=response.data)
                else:
                    transaction.set_rollback(True)  # a refusal changes nothing, key included
                return response

        return retry_on_transient_conflict(attempt)

    wrapper.idempotent = True  # type: ignore[attr-defined]
    return wrapper


def idempotency_records_expire(*, now: dt.datetime | None = None) -> int:
    """Delete records past their expiry; returns how many. Run by a periodic task."""
    deleted, _ = IdempotencyRecord.objects.filter(expires_at__lte=now or timezone.now()).delete()
    return deleted
