"""Keyset pagination: no COUNT and no OFFSET over large tables."""

from rest_framework.pagination import CursorPagination


class CreatedCursorPagination(CursorPagination):
    ordering = "-created_at"
    page_size_query_param = "page_size"
    max_page_size = 500
