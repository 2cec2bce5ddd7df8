"""Keeping the rollups equal to the raw sales, refunds, remittances and voucher stock.

A day is always recomputed whole from the raw rows (delete, then INSERT … SELECT … GROUP BY in
the database), so a refresh can run twice or overlap and still end right. The incremental
refresh recomputes the days touched by sales, refunds and remittances created since the
watermark (minus an overlap, for transactions that committed late), then the months those days
are in (AgentMonthly, summed from AgentDaily and the remittances); the nightly rebuild
recomputes the last two months. Unsold stock (StockAge) is current state: the first refresh of
a day replaces it whole (its age buckets move at midnight), later refreshes the rows of the
agents whose stock changed since the watermark. Router samples (RouterHourly) are recomputed
from the hour of the watermark onwards.
"""

from __future__ import annotations

import datetime as dt
import functools
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import (
    Case,
    Count,
    DateField,
    DecimalField,
    IntegerField,
    Max,
    Min,
    Q,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncDate, TruncHour, TruncMonth
from django.utils import timezone

from erp.mikrotik.models import RouterSample
from erp.sales.models import Refund, Remittance, Sale
from erp.vouchers.choices import VoucherEventKind, VoucherStatus
from erp.vouchers.models import Voucher, VoucherBatch, VoucherEvent

from .filters import first_of_next_month, local_midnight
from .models import (
    AgentCarry,
    AgentDaily,
    AgentMonthly,
    ChannelDaily,
    PackageDaily,
    RollupState,
    RouterHourly,
    SalesDaily,
    SiteDaily,
    SiteMonthly,
    StockAge,
)

# A sale committed this long after its created_at is still picked up by the next refresh.
OVERLAP = dt.timedelta(minutes=10)
STATE = "sales"

# (rollup, key fields on Sale) — a refund is counted under its sale's keys.
ROLLUPS = (
    (SalesDaily, ("site", "package", "payment_method")),
    (AgentDaily, ("seller", "site", "package")),
    (ChannelDaily, ("site", "channel")),
)
# Coarser day rollups summed from SalesDaily (fewer rows for the charts that need fewer keys).
DERIVED = ((SiteDaily, ("site",)), (PackageDaily, ("package", "payment_method")))
FIGURES = (
    "sales_count",
    "sales_amount",
    "commission",
    "refunds_count",
    "refunds_amount",
    "commission_reversed",
)


def installation_days(function):
    """Run ``function`` in TIME_ZONE, whatever zone the caller is in: the rollups' days are
    the installation's local days (TruncDate and local_midnight read the current zone), also
    when a report refreshes them inside a request the site-time-zone middleware switched to
    a reader's zone (Dakar's days were written among Dar es Salaam's)."""

    @functools.wraps(function)
    def in_time_zone(*args, **kwargs):
        with timezone.override(timezone.get_default_timezone()):
            return function(*args, **kwargs)

    return in_time_zone


def _zero_money():
    return Value(Decimal("0.00"), output_field=DecimalField(max_digits=14, decimal_places=2))


def _zero_count():
    return Value(0, output_field=IntegerField())


def _selects(keys: tuple[str, ...], start: dt.date | None, end: dt.date | None):
    """The two GROUP BY queries (sales, refunds) whose rows a rollup stores for days
    start ≤ day < end (either open)."""
    sold = Q()
    refunded = Q()
    if start is not None:
        sold &= Q(sold_at__gte=local_midnight(start))
        refunded &= Q(refunded_at__gte=local_midnight(start))
    if end is not None:
        sold &= Q(sold_at__lt=local_midnight(end))
        refunded &= Q(refunded_at__lt=local_midnight(end))
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
        .order_by("d")  # stored in day order: a period's rows sit together on disk
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
        .order_by("d")
    )
    return sales, refunds


def _insert_select(model, keys: tuple[str, ...], queryset) -> None:
    """INSERT INTO rollup (…) SELECT …: the rows never travel through Python."""
    columns = ("day", *(model._meta.get_field(k).column for k in keys), *FIGURES)
    _insert_rows(model, columns, queryset)


@installation_days
def recompute(start: dt.date | None = None, end: dt.date | None = None) -> None:
    """Replace the rollup rows of days start ≤ day < end (everything when both are None),
    and the monthly rows of the months those days are in."""
    with transaction.atomic():
        _recompute_days(start, end)
        first = _month(start) if start is not None else None
        last = first_of_next_month(_month(end - dt.timedelta(days=1))) if end is not None else None
        recompute_months(first, last)


def _recompute_days(start: dt.date | None, end: dt.date | None) -> None:
    for model, keys in ROLLUPS:
        rows = model.objects.all()
        if start is not None:
            rows = rows.filter(day__gte=start)
        if end is not None:
            rows = rows.filter(day__lt=end)
        rows._raw_delete(rows.db)
        for queryset in _selects(keys, start, end):
            _insert_select(model, keys, queryset)
    sums = {f: Sum(f) for f in FIGURES}
    for model, keys in DERIVED:
        rows, source = _days(model.objects.all(), start, end), _days(SalesDaily.objects, start, end)
        rows._raw_delete(rows.db)
        summed = source.values("day", *keys).annotate(**sums).order_by("day")
        _insert_select(model, keys, summed.values_list("day", *keys, *FIGURES))


def _days(queryset, start: dt.date | None, end: dt.date | None, field: str = "day"):
    if start is not None:
        queryset = queryset.filter(**{f"{field}__gte": start})
    if end is not None:
        queryset = queryset.filter(**{f"{field}__lt": end})
    return queryset


def _month(day: dt.date) -> dt.date:
    return day.replace(day=1)


@installation_days
def recompute_months(first: dt.date | None = None, last: dt.date | None = None) -> None:
    """Replace AgentMonthly and SiteMonthly for months first ≤ month < last (1st days; either
    open), from AgentDaily and SiteDaily (already current) and the remittances. At most a few
    thousand agents a month, so the agents' two grouped results are merged here and written
    with one bulk insert."""
    rows = AgentMonthly.objects.all()
    daily = AgentDaily.objects.all()
    remitted = Remittance.objects.all()
    if first is not None:
        rows = rows.filter(month__gte=first)
        daily = daily.filter(day__gte=first)
        remitted = remitted.filter(received_at__gte=local_midnight(first))
    if last is not None:
        rows = rows.filter(month__lt=last)
        daily = daily.filter(day__lt=last)
        remitted = remitted.filter(received_at__lt=local_midnight(last))
    merged: dict[tuple, AgentMonthly] = {}
    for row in (
        daily.annotate(m=TruncMonth("day"))
        .values("m", "seller")
        .annotate(**{f: Sum(f) for f in FIGURES})
        .order_by()
    ):
        merged[(row["m"], row["seller"])] = AgentMonthly(
            month=row["m"], seller_id=row["seller"], **{f: row[f] for f in FIGURES}
        )
    for row in (
        remitted.annotate(m=TruncMonth("received_at", output_field=DateField()))
        .values("m", "agent")
        .annotate(n=Count("pk"), total=Sum("amount"))
        .order_by()
    ):
        item = merged.setdefault(
            (row["m"], row["agent"]), AgentMonthly(month=row["m"], seller_id=row["agent"])
        )
        item.remittances_count, item.remitted = row["n"], row["total"]
    for item in merged.values():
        item.owed = (
            Decimal(item.sales_amount)
            - Decimal(item.refunds_amount)
            - (Decimal(item.commission) - Decimal(item.commission_reversed))
            - Decimal(item.remitted)
        )
    rows._raw_delete(rows.db)
    AgentMonthly.objects.bulk_create(merged.values(), batch_size=5000)
    this_month = _month(timezone.localdate())
    if first is None or first < this_month or _carried_before() != this_month:
        carry_balances(this_month)
    months = _days(SiteMonthly.objects.all(), first, last, "month")
    months._raw_delete(months.db)
    summed = (
        _days(SiteDaily.objects, first, last)
        .annotate(m=TruncMonth("day"))
        .values("m", "site")
        .annotate(**{f: Sum(f) for f in FIGURES})
        .order_by("m")
    )
    _insert_rows(
        SiteMonthly, ("month", "site_id", *FIGURES), summed.values_list("m", "site", *FIGURES)
    )


def recompute_router_hours(since: dt.datetime | None = None) -> None:
    """Replace RouterHourly from the hour ``since`` is in onwards (everything when None)."""
    hour = TruncHour("taken_at", tzinfo=dt.UTC)
    samples = RouterSample.objects.all()
    rows = RouterHourly.objects.all()
    if since is not None:
        since = since.astimezone(dt.UTC).replace(minute=0, second=0, microsecond=0)
        samples = samples.filter(taken_at__gte=since)
        rows = rows.filter(hour__gte=since)
    grouped = (
        samples.annotate(h=hour)
        .values("router", "h")
        .annotate(
            n=Count("pk"),
            u=Coalesce(Sum("active_users"), 0),
            un=Count("active_users"),
            rx_lo=Min("rx_bytes"),
            rx_hi=Max("rx_bytes"),
            tx_lo=Min("tx_bytes"),
            tx_hi=Max("tx_bytes"),
        )
        .values_list("router", "h", "n", "u", "un", "rx_lo", "rx_hi", "tx_lo", "tx_hi")
        .order_by()
    )
    with transaction.atomic():
        rows._raw_delete(rows.db)
        _insert_rows(
            RouterHourly,
            (
                "router_id",
                "hour",
                "samples",
                "users_sum",
                "users_samples",
                "rx_min",
                "rx_max",
                "tx_min",
                "tx_max",
            ),
            grouped,
        )


def _insert_rows(model, columns: tuple[str, ...], queryset) -> None:
    """INSERT INTO model (columns) SELECT … of a values_list queryset, in the database."""
    sql, params = queryset.query.sql_with_params()
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} ({names}) {sql}", params)  # noqa: S608


def _carried_before() -> dt.date | None:
    return AgentCarry.objects.values_list("before", flat=True).first()


def carry_balances(before: dt.date) -> None:
    """Replace AgentCarry: each seller's AgentMonthly.owed summed over months before
    ``before``. Run when an earlier month changed or a new month began, not per request."""
    carried = (
        AgentMonthly.objects.filter(month__lt=before)
        .values("seller")
        .annotate(total=Sum("owed"))
        .values_list("seller", Value(before, output_field=DateField()), "total")
        .order_by()
    )
    with transaction.atomic():
        everything = AgentCarry.objects.all()
        everything._raw_delete(everything.db)
        _insert_rows(AgentCarry, ("seller_id", "before", "owed"), carried)


AGE_DAYS = (7, 30, 90)  # stock age buckets: 0–7, 8–30, 31–90, over 90 days


@installation_days
def refresh_stock(today: dt.date | None = None, agents: set | None = None) -> None:
    """Replace StockAge with the unsold stock each agent holds now, per age bucket counted
    from the day it came into the agent's hands (assigned_at, else made). One GROUP BY over
    the unused stock; a few thousand rows written. ``agents``: only these agents' rows (an
    index look-up each), the others stay as they are."""
    today = today or timezone.localdate()
    held_since = Coalesce("assigned_at", "created_at")
    whens = [
        When(**{"held__gte": local_midnight(today - dt.timedelta(days=days))}, then=Value(i))
        for i, days in enumerate(AGE_DAYS)
    ]
    stock = (
        Voucher.objects.filter(status=VoucherStatus.UNUSED, agent__isnull=False)
        .annotate(held=held_since)
        .annotate(b=Case(*whens, default=Value(len(AGE_DAYS)), output_field=IntegerField()))
        .values("agent", "site", "package", "b")
        .annotate(n=Count("pk"))
        .values_list("agent", "site", "package", "b", "n")
        .order_by()
    )
    replaced = StockAge.objects.all()
    if agents is not None:
        stock, replaced = stock.filter(agent__in=agents), replaced.filter(agent__in=agents)
    with transaction.atomic():
        replaced._raw_delete(replaced.db)
        _insert_rows(StockAge, ("agent_id", "site_id", "package_id", "bucket", "vouchers"), stock)


# Past this many agents touched, one pass over all the stock beats an index look-up each.
STOCK_AGENTS_AT_ONCE = 500


def stock_changed_since(since: dt.datetime) -> set | None:
    """The agents whose unsold stock may have changed since ``since``: they sold or had a
    voucher voided or assigned (voucher events), or a batch of theirs was generated (its
    updated_at moves with every chunk). None when that cannot be told: a transfer or a return
    to the office does not record who held the vouchers before, so everyone is recomputed."""
    events = VoucherEvent.objects.filter(at__gte=since)
    if events.filter(kind__in=(VoucherEventKind.TRANSFERRED, VoucherEventKind.RETURNED)).exists():
        return None
    held = events.filter(voucher__agent__isnull=False).values_list("voucher__agent", flat=True)
    made = VoucherBatch.objects.filter(updated_at__gte=since, agent__isnull=False)
    return set(held.distinct()) | set(made.values_list("agent", flat=True).distinct())


def _refresh_stock(state: RollupState, since: dt.datetime | None) -> None:
    """Whole on a new day (or the first run), else only the agents whose stock changed."""
    today = timezone.localdate()
    changed = None if since is None or state.stock_day != today else stock_changed_since(since)
    if changed is None or len(changed) > STOCK_AGENTS_AT_ONCE:
        refresh_stock(today)
        state.stock_day = today
    elif changed:
        refresh_stock(today, changed)


@installation_days
def rebuild_all(days: int | None = None) -> None:
    """Recompute everything (``manage.py rebuild_rollups``), or only the last ``days`` days
    and their months (the nightly job: older days do not change — sales are never edited,
    refunds count on their own day — and a full rebuild at 10 million sales takes minutes)."""
    now = timezone.now()
    with transaction.atomic():
        state = _state()
        if days is None:
            recompute()
            recompute_router_hours()
        else:
            first = _month(timezone.localdate() - dt.timedelta(days=days))
            recompute(first, None)
            recompute_router_hours(now - dt.timedelta(days=days))
        _refresh_stock(state, None)
        state.watermark = now
        state.rebuilt_at = now
        state.save()


@installation_days
def refresh(*, wait: bool = True) -> list[dt.date]:
    """Recompute the days touched since the watermark; returns them. The first run rebuilds.

    ``wait=False`` is for a reader that wants the rollups current (the finance exports): if a
    refresh or the nightly rebuild is running right now, it does not queue behind it (the
    rebuild takes a minute at 10 million sales) but reads what is committed."""
    now = timezone.now()
    with transaction.atomic():
        state = _state(wait=wait)
        if state is None:
            return []
        since = None if state.watermark is None else state.watermark - OVERLAP
        if since is None:
            recompute()
            recompute_router_hours()
            days: list[dt.date] = []
        else:
            days = touched_days(since)
            for day in days:
                _recompute_days(day, day + dt.timedelta(days=1))
            for month in sorted({_month(d) for d in days}):
                recompute_months(month, first_of_next_month(month))
            recompute_router_hours(since)
        _refresh_stock(state, since)
        state.watermark = now
        state.refreshed_at = now
        state.save()
    return days


def touched_days(
    since: dt.datetime,
    start: dt.date | None = None,
    end: dt.date | None = None,
    *,
    remittances: bool = True,
) -> list[dt.date]:
    """Local days (start ≤ day < end, when given) of the sales, refunds and remittances
    created since ``since``: the days a refresh recomputes, so the days the rollups may not
    hold whole yet (the sales report reads those raw, and needs no remittances)."""

    def days(queryset, field: str) -> set[dt.date]:
        rows = queryset.filter(created_at__gte=since)
        if start is not None:
            rows = rows.filter(**{f"{field}__gte": local_midnight(start)})
        if end is not None:
            rows = rows.filter(**{f"{field}__lt": local_midnight(end)})
        return set(
            rows.annotate(d=TruncDate(field)).values_list("d", flat=True).distinct().order_by()
        )

    found = days(Sale.objects, "sold_at") | days(Refund.objects, "refunded_at")
    if remittances:
        found |= days(Remittance.objects, "received_at")
    return sorted(found)


def _state(*, wait: bool = True) -> RollupState | None:
    """The state row, locked: two refreshes never interleave. None when another holds it and
    we were asked not to wait."""
    RollupState.objects.get_or_create(name=STATE)
    return RollupState.objects.select_for_update(skip_locked=not wait).filter(name=STATE).first()
