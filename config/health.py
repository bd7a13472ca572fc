"""Liveness (`/healthz`: the process answers) and readiness (`/readyz`: the database answers)."""

import logging

from django.db import DatabaseError, connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from core.errors import error_body

logger = logging.getLogger(__name__)


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        logger.warning("readiness check failed: database unreachable: %s", exc)
        connection.close()  # do not keep a broken connection for the next request
        return JsonResponse(
            error_body("The database is not reachable.", "database_unavailable"), status=503
        )
    return JsonResponse({"status": "ready", "database": "ok"})
