"""Cursor pagination by default: stable under concurrent inserts, constant cost per page.

Every list uses `DefaultCursorPagination` (or a subclass with its own ordering). A cursor is
opaque to clients; one that was tampered with answers 404 `not_found` ("Invalid cursor"),
never a 500: its position must read as a value of the ordering column (a number that fits
the column, a date, text without NUL bytes) before any query runs.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import DataError, models, transaction
from django.db.models import QuerySet
from rest_framework.exceptions import NotFound
from rest_framework.pagination import Cursor, CursorPagination
from rest_framework.request import Request

_BIGINT = (-(2**63), 2**63 - 1)


class DefaultCursorPagination(CursorPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering: Any = "-created_at"

    def paginate_queryset(
        self, queryset: QuerySet[Any], request: Request, view: Any = None
    ) -> list[Any] | None:
        self._queryset = queryset
        try:
            # A savepoint (or a short transaction): should the database still refuse the
            # position, the caller's transaction carries on.
            with transaction.atomic():
                return super().paginate_queryset(queryset, request, view)
        except (DataError, ValidationError, ValueError, TypeError, OverflowError) as exc:
            raise NotFound(self.invalid_cursor_message) from exc

    def decode_cursor(self, request: Request) -> Cursor | None:
        cursor = super().decode_cursor(request)
        if cursor is not None and cursor.position is not None:
            self._check_position(str(cursor.position))
        return cursor

    def _check_position(self, position: str) -> None:
        """Refuse a position that no row of this list could have produced."""
        if "\x00" in position:
            raise NotFound(self.invalid_cursor_message)
        field = self._ordering_field()
        if field is None:
            return
        try:
            value = field.to_python(position)
        except ValidationError as exc:
            raise NotFound(self.invalid_cursor_message) from exc
        if isinstance(field, models.IntegerField) and not _BIGINT[0] <= value <= _BIGINT[1]:
            raise NotFound(self.invalid_cursor_message)

    def _ordering_field(self) -> models.Field[Any, Any] | None:
        name = str(self.ordering[0]).lstrip("-")
        queryset: QuerySet[Any] = self._queryset
        annotation = queryset.query.annotations.get(name)
        if annotation is not None:
            field: models.Field[Any, Any] = annotation.output_field
            return field
        try:
            return queryset.model._meta.get_field(name)
        except FieldDoesNotExist:
            return None


class IdCursorPagination(DefaultCursorPagination):
    """Newest first by id: for tables without a useful timestamp ordering."""

    ordering = "-id"
