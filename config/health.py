"""Liveness (`/healthz`: the process answers) and readiness (`/readyz`: the database and
Redis answer)."""

import logging

import redis
from django.conf import settings
from django.db import DatabaseError, connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from core.errors import error_body

logger = logging.getLogger(__name__)

REDIS_TIMEOUT_SECONDS = 2


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


def _database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        logger.warning("readiness check failed: database unreachable: %s", exc)
        connection.close()  # do not keep a broken connection for the next request
        return "unreachable"
    return "ok"


def _redis() -> str:
    """Redis holds the cache (used TOTP codes, throttles, lockouts) and the task queue."""
    url = settings.REDIS_URL
    if not url:
        return "not_configured"  # development only: production refuses to start without it
    client = redis.Redis.from_url(
        url, socket_connect_timeout=REDIS_TIMEOUT_SECONDS, socket_timeout=REDIS_TIMEOUT_SECONDS
    )
    try:
        client.ping()
    except (redis.RedisError, OSError) as exc:
        logger.warning("readiness check failed: Redis unreachable: %s", exc)
        return "unreachable"
    finally:
        client.close()
    return "ok"


_DOWN = {
    ("unreachable", "ok"): ("The database is not reachable.", "database_unavailable"),
    ("unreachable", "not_configured"): ("The database is not reachable.", "database_unavailable"),
    ("ok", "unreachable"): ("Not ready: Redis is not reachable.", "redis_unavailable"),
    ("unreachable", "unreachable"): (
        "Not ready: neither the database nor Redis is reachable.",
        "dependencies_unavailable",
    ),
}


@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    checks = {"database": _database(), "redis": _redis()}
    down = _DOWN.get((checks["database"], checks["redis"]))
    if down is not None:
        detail, code = down
        return JsonResponse(error_body(detail, code, checks), status=503)
    return JsonResponse({"status": "ready", **checks})
