"""Pagination that stays cheap on large tables.

The API uses keyset (cursor) pagination: no COUNT and no OFFSET. The UI lists (viewflow) page
with Django's paginator, which counts the whole filtered table on every page; BoundedPaginator
counts at most ``COUNT_LIMIT`` rows instead, so a list of a million clients costs the same as a
list of ten thousand, and shows "10,000+".
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import CursorPagination


class CreatedCursorPagination(CursorPagination):
    ordering = "-created_at"
    page_size_query_param = "page_size"
    max_page_size = 500

    def decode_cursor(self, request):
        """DRF's cursor, refused (400) when its position holds a NUL byte: the position goes
        into the query, and PostgreSQL text cannot hold NUL (a 500 otherwise)."""
        cursor = super().decode_cursor(request)
        if cursor is not None and cursor.position and "\x00" in cursor.position:
            raise ValidationError({"cursor": [_("Invalid cursor.")]})
        return cursor


class BoundedPaginator(Paginator):
    COUNT_LIMIT = 10_000

    @cached_property
    def count(self) -> int:
        object_list = self.object_list
        if hasattr(object_list, "values"):
            # COUNT over a LIMITed subquery: bounded work, whatever the table size.
            return object_list.values("pk")[: self.COUNT_LIMIT + 1].count()
        return len(object_list)

    @property
    def is_capped(self) -> bool:
        return self.count > self.COUNT_LIMIT

    @property
    def count_display(self) -> str:
        return f"{self.COUNT_LIMIT:,}+" if self.is_capped else f"{self.count:,}"
