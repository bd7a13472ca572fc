"""The audit trail's one writer: `record(...)`, called inside the acting service's transaction.

Services that change money, state or permissions call it with who acted, what they did to
which object, and the relevant fields before and after. The request id (X-Request-ID, set by
config.middleware.RequestIdMiddleware) is attached when the action came through a request.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import models

from core.models import AuditRecord
from core.request_id import request_id_var


def _current_request_id() -> str:
    value = request_id_var.get()
    return "" if value == "-" else value


def record(
    *,
    actor: Any,
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: object = "",
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    funder_id: int | None = None,
    programme_id: int | None = None,
) -> AuditRecord:
    """Record one action. `obj` names the object (its model label and pk), or pass
    `object_type` and `object_id`. Call inside the service's `transaction.atomic()`."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or obj.pk
    return AuditRecord.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        before=dict(before or {}),
        after=dict(after or {}),
        funder_id=funder_id,
        programme_id=programme_id,
        request_id=_current_request_id(),
    )
