"""Reading the rows of a grouped query without Django's per-value work."""

from __future__ import annotations

from django.core.exceptions import EmptyResultSet
from django.db import connection


def rows(queryset) -> list[tuple]:
    """The rows of a values_list queryset. On PostgreSQL straight from the cursor: psycopg
    already gives UUIDs, Decimals and dates, and Django's per-value converters cost more than
    the query itself on thousands of rows. Elsewhere (SQLite keeps UUIDs as text) through
    Django."""
    if connection.vendor != "postgresql":
        return list(queryset)
    try:
        sql, params = queryset.query.sql_with_params()
    except EmptyResultSet:  # e.g. pk__in=[]: Django knows there are no rows
        return []
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()
