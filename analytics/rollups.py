"""Keeping the rollups (SalesDaily, AgentDaily) equal to the raw sales and refunds.

A day is always recomputed whole from the raw rows (delete, then INSERT … SELECT … GROUP BY in
the database), so a refresh can run twice or overlap and still end right. The incremental
refresh recomputes the days touched by sales and refunds created since the watermark (minus an
overlap, for transactions that committed late); the nightly rebuild recomputes everything.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Count, DecimalField, IntegerField, Q, Sum, Value
from django.db.models.functions import TruncDate
from django.utils import timezone

from erp.sales.models import Refund, Sale

from .models import AgentDaily, RollupState, SalesDaily

# A sale committed this long after its created_at is still picked up by the next refresh.
OVERLAP = dt.timedelta(minutes=10)
STATE = "sales"

# (rollup, key fields on Sale) — a refund is counted under its sale's keys.
ROLLUPS = (
    (SalesDaily, ("site", "package", "payment_method")),
    (AgentDaily, ("seller", "site")),
)
FIGURES = (
    "sales_count",
    "sales_amount",
    "commission",
    "refunds_count",
    "refunds_amount",
    "commission_reversed",
)


def _zero_money():
    return Value(Decimal("0.00"), output_field=DecimalField(max_digits=14, decimal_places=2))


def _zero_count():
    return Value(0, output_field=IntegerField())


def _local_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=timezone.get_current_timezone())


def _selects(keys: tuple[str, ...], start: dt.date | None, end: dt.date | None):
    """The two GROUP BY queries (sales, refunds) whose rows a rollup stores for days
    start ≤ day < end (either open)."""
    sold = Q()
    refunded = Q()
    if start is not None:
        sold &= Q(sold_at__gte=_local_midnight(start))
        refunded &= Q(refunded_at__gte=_local_midnight(start))
    if end is not None:
        sold &= Q(sold_at__lt=_local_midnight(end))
        refunded &= Q(refunded_at__lt=_local_midnight(end))
    sales = (
        Sale.objects.filter(sold)
        .annotate(d=TruncDate("sold_at"))
        .values("d", *keys)
        .annotate(
            n=Count("pk"),
            a=Sum("amount"),
            c=Sum("commission"),
            rn=_zero_count(),
            ra=_zero_money(),
            rc=_zero_money(),
        )
        .values_list("d", *keys, "n", "a", "c", "rn", "ra", "rc")
        .order_by()
    )
    refund_keys = tuple(f"sale__{k}" for k in keys)
    refunds = (
        Refund.objects.filter(refunded)
        .annotate(d=TruncDate("refunded_at"))
        .values("d", *refund_keys)
        .annotate(
            n=_zero_count(),
            a=_zero_money(),
            c=_zero_money(),
            rn=Count("pk"),
            ra=Sum("amount"),
            rc=Sum("commission_reversed"),
        )
        .values_list("d", *refund_keys, "n", "a", "c", "rn", "ra", "rc")
        .order_by()
    )
    return sales, refunds


def _insert_select(model, keys: tuple[str, ...], queryset) -> None:
    """INSERT INTO rollup (…) SELECT …: the rows never travel through Python."""
    columns = ["day"] + [model._meta.get_field(k).column for k in keys] + list(FIGURES)
    sql, params = queryset.query.sql_with_params()
    table = connection.ops.quote_name(model._meta.db_table)
    cols = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} ({cols}) {sql}", params)  # noqa: S608


def recompute(start: dt.date | None = None, end: dt.date | None = None) -> None:
    """Replace the rollup rows of days start ≤ day < end (everything when both are None)."""
    with transaction.atomic():
        for model, keys in ROLLUPS:
            rows = model.objects.all()
            if start is not None:
                rows = rows.filter(day__gte=start)
            if end is not None:
                rows = rows.filter(day__lt=end)
            rows._raw_delete(rows.db)
            for queryset in _selects(keys, start, end):
                _insert_select(model, keys, queryset)


def rebuild_all() -> None:
    """The nightly full rebuild (and ``manage.py rebuild_rollups``)."""
    now = timezone.now()
    with transaction.atomic():
        state = _state()
        recompute()
        state.watermark = now
        state.rebuilt_at = now
        state.save()


def refresh() -> list[dt.date]:
    """Recompute the days touched since the watermark; returns them. The first run rebuilds."""
    now = timezone.now()
    with transaction.atomic():
        state = _state()
        if state.watermark is None:
            recompute()
            days: list[dt.date] = []
        else:
            since = state.watermark - OVERLAP
            touched = set(
                Sale.objects.filter(created_at__gte=since)
                .annotate(d=TruncDate("sold_at"))
                .values_list("d", flat=True)
                .distinct()
            ) | set(
                Refund.objects.filter(created_at__gte=since)
                .annotate(d=TruncDate("refunded_at"))
                .values_list("d", flat=True)
                .distinct()
            )
            days = sorted(touched)
            for day in days:
                recompute(day, day + dt.timedelta(days=1))
        state.watermark = now
        state.refreshed_at = now
        state.save()
    return days


def _state() -> RollupState:
    """The state row, locked: two refreshes never interleave."""
    RollupState.objects.get_or_create(name=STATE)
    return RollupState.objects.select_for_update().get(name=STATE)
