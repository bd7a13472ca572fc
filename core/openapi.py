"""The schema class every API view uses (`DEFAULT_SCHEMA_CLASS`): it completes each
operation's description from the code itself (who may call it, whether it honours
`Idempotency-Key`) and says that operations open to anyone need no sign-in.

Kept apart from core/schema.py, which imports drf-spectacular's views: that module would be
imported while DRF's settings load this class (a circular import).
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema

ACCESS_OPEN = "**Access:** open to anyone; no sign-in."
ACCESS_SIGNED_IN = "**Access:** any signed-in person, acting for themselves."
ACCESS_ROLE = (
    "**Access:** the people of the provider or funder concerned, signed in with a session "
    "that passed two-factor authentication (403 `mfa_required` / `mfa_session_required` "
    "otherwise). Another organisation's objects answer 404; so do they to platform staff, "
    "who work in the admin."
)
IDEMPOTENT = (
    "**Moves money:** send an `Idempotency-Key`; a retry with the same key and body returns "
    "the first answer (`Idempotent-Replayed: true`), another body is 409 "
    "`idempotency_conflict`. Limited by the `money` rate. A busy database answers 503 with "
    "`Retry-After`."
)

BAD_CURSOR = {
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    "description": "Not found: the cursor is not one of ours (`not_found`).",
}

CURSOR_PARAMETER = {
    "name": "cursor",
    "required": False,
    "in": "query",
    "description": "The pagination cursor value (from `next` or `previous`).",
    "schema": {"type": "string"},
}


class ApiAutoSchema(AutoSchema):
    """Completes each operation from the view: access rules, idempotency, no-auth for open ones."""

    def _permission_names(self) -> set[str]:
        return {type(p).__name__ for p in self.view.get_permissions()}

    def _is_open(self) -> bool:
        return "AllowAny" in self._permission_names()

    def get_description(self) -> str:  # type: ignore[override]
        own = super().get_description() or ""
        names = self._permission_names()
        access = (
            ACCESS_OPEN
            if "AllowAny" in names
            else ACCESS_ROLE
            if "HasRoleMFA" in names
            else ACCESS_SIGNED_IN
        )
        handler = getattr(self.view, self.method.lower(), None)
        parts = [own.strip(), access]
        if getattr(handler, "idempotent", False):
            parts.append(IDEMPOTENT)
        return "\n\n".join(part for part in parts if part)

    def get_operation(self, *args: Any, **kwargs: Any) -> dict[str, Any] | None:
        operation = super().get_operation(*args, **kwargs)
        if operation is not None and self._is_open():
            # Open to anyone, and said so: an empty security requirement, not just none given.
            operation["security"] = []
        if operation is not None and self._answers_bad_cursors_with_404():
            # A cursor that was tampered with answers 404 (core.pagination): say so.
            operation["responses"].setdefault("404", BAD_CURSOR)
            parameters = operation.setdefault("parameters", [])
            if not any(parameter["name"] == "cursor" for parameter in parameters):
                parameters.append(CURSOR_PARAMETER)
        return operation

    def _answers_bad_cursors_with_404(self) -> bool:
        """A cursor list: a GET on a view that pages with its `pagination_class`."""
        return self.method == "GET" and getattr(self.view, "pagination_class", None) is not None

    def get_auth(self) -> list[dict[str, list[Any]]]:
        return [] if self._is_open() else super().get_auth()
