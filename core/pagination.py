"""Cursor pagination by default: stable under concurrent inserts, constant cost per page.

Every list uses `DefaultCursorPagination` (or a subclass with its own ordering). A cursor is
opaque to clients; one that was tampered with answers 404 `not_found` ("Invalid cursor"),
never a 500.
"""

from __future__ import annotations

from typing import Any

from django.db import DataError
from django.db.models import QuerySet
from rest_framework.exceptions import NotFound
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request


class DefaultCursorPagination(CursorPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering: Any = "-created_at"

    def paginate_queryset(
        self, queryset: QuerySet[Any], request: Request, view: Any = None
    ) -> list[Any] | None:
        try:
            return super().paginate_queryset(queryset, request, view)
        except (DataError, ValueError, OverflowError) as exc:
            # A cursor whose position does not fit the ordering column (text for a number,
            # a NUL byte, a date out of range) was not made by us.
            raise NotFound(self.invalid_cursor_message) from exc


class IdCursorPagination(DefaultCursorPagination):
    """Newest first by id: for tables without a useful timestamp ordering."""

    ordering = "-id"
