"""The sales report's summaries and counts from the rollups, with the same figures as the raw
sales: the days the rollups hold exactly are read from them, the other days from the sales.

At 1,000 sites a year is ~4 million sales: five GROUP BYs over them took 5–6 s on two cores,
for a page with a 2-second budget (bench/README.md). The rollups hold the same sums a day at
a time (analytics.rollups), but a day's rows are exact only once the refresh has seen every
sale and refund of that day: the refresh recomputes the days touched by rows *created* since
its watermark (minus OVERLAP, for transactions that commit late), so a day is stale when a
sale or refund created since then falls on it — today's sales, and a sale synced late from a
phone for an old day. Those days are read from the raw sales; the others from the rollups,
whole months from the monthly rollups where there is one. The raw query's own figures, not
an estimate:

- a summary counts every sale of the period, refunded or not (a refund is its own row in the
  rollups, with sales_count 0: a key with no sale is left out, as the raw GROUP BY has none);
- commission is the sale's, before any reversal (the rollup's ``commission``);
- a day is a local day of settings.TIME_ZONE in the rollups; a reader in another time zone
  (the site-time-zone middleware) whose midnights differ gets the raw figures;
- the scope is sales_visible_to(actor): every sale, or the sales at the person's sites, both
  of which are rows of the rollups (all, or by site); an agent sees their own sales, which
  the rollups by site cannot tell apart, and gets the raw figures (a few thousand sales a
  year, read by the seller index).

Each summary is one query: the rollup parts and the raw part under UNION ALL, grouped and
ordered by the database as the raw GROUP BY was (so names sort in the database's collation).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Count, F, Q, QuerySet, Sum
from django.utils import timezone

from erp.accounts.models import User
from erp.core.scoping import AgentRows, scope_of
from erp.sales.models import Refund, Sale
from erp.sales.selectors import sales_visible_to

from . import rollups
from .filters import first_of_next_month, in_ranges, split_months
from .models import (
    AgentDaily,
    AgentMonthly,
    ChannelDaily,
    PackageDaily,
    RollupState,
    SalesDaily,
    SiteDaily,
    SiteMonthly,
)

Ranges = list[tuple[dt.date, dt.date]]
EVERY_SITE = "every site"


@dataclass(frozen=True)
class Plan:
    """How to read days start ≤ day < end: the ``stale`` days from the sales, the others from
    the rollups (whole months without a stale day from the monthly ones); ``sites``: the
    rollup rows the person may see (EVERY_SITE or a subquery of site ids)."""

    start: dt.date
    end: dt.date
    stale: tuple[dt.date, ...]
    sites: Any

    @property
    def raw(self) -> Ranges:
        """The stale days as ranges of consecutive days."""
        return _ranges(sorted(self.stale))

    @property
    def months(self) -> Ranges:
        """The whole months of the period with no stale day, as [first, next first) ranges
        of consecutive months."""
        edges, whole = split_months(self.start, self.end)
        if whole is None:
            return []
        out: Ranges = []
        month = whole[0]
        while month < whole[1]:
            after = first_of_next_month(month)
            if not any(month <= d < after for d in self.stale):
                if out and out[-1][1] == month:
                    out[-1] = (out[-1][0], after)
                else:
                    out.append((month, after))
            month = after
        return out

    def days(self, *, monthly: bool) -> Q:
        """The rolled days a daily rollup gives: the period, less the stale days and (when a
        monthly rollup gives them) the whole months — one range on ``day``, for the index."""
        q = Q(day__gte=self.start, day__lt=self.end)
        if self.stale:
            q &= ~Q(day__in=self.stale)
        if monthly and self.months:
            q &= ~in_ranges(self.months, "day")
        return q


def rollup_sites(actor: User) -> Any:
    """The rollup rows holding exactly the sales ``sales_visible_to(actor)`` gives: EVERY_SITE,
    a subquery of the person's site ids, or None when the scope is not by site (an agent's
    own sales) — the same steps as erp.core.scoping.restrict for Sale's row scope, and None
    too if that scope ever stops being "by site, agents their own"."""
    scope = scope_of(Sale)
    if (
        scope.site != "site"
        or scope.agents_see is not AgentRows.OWN
        or scope.permission
        or scope.unsited_to_scoped
        or scope.staff_see_held
    ):
        return None
    if not actor.is_authenticated or actor.is_agent:
        return None
    if actor.sees_all_sites:
        return EVERY_SITE
    sites = actor.scoped_sites()
    return EVERY_SITE if sites is None else sites


def _same_days(start: dt.date, end: dt.date) -> bool:
    """Whether the report's days (the current time zone's) are the rollups' (TIME_ZONE's)."""
    here, there = timezone.get_current_timezone(), timezone.get_default_timezone()
    if here == there:
        return True
    days = (start + dt.timedelta(days=i) for i in range((end - start).days + 1))
    return all(
        dt.datetime.combine(d, dt.time.min, tzinfo=here)
        == dt.datetime.combine(d, dt.time.min, tzinfo=there)
        for d in days
    )


def _ranges(days: list[dt.date]) -> Ranges:
    """Sorted days as [lo, hi) ranges of consecutive days."""
    out: Ranges = []
    for day in days:
        if out and out[-1][1] == day:
            out[-1] = (out[-1][0], day + dt.timedelta(days=1))
        else:
            out.append((day, day + dt.timedelta(days=1)))
    return out


def plan(actor: User, start: dt.date, end: dt.date) -> Plan | None:
    """How to read days start ≤ day < end for ``actor`` from the rollups and the sales, or
    None when the rollups cannot give the raw figures (an agent, another time zone's days,
    rollups never built or being rebuilt after a migration)."""
    sites = rollup_sites(actor)
    if sites is None or not _same_days(start, end):
        return None
    watermark = (
        RollupState.objects.filter(name=rollups.STATE).values_list("watermark", flat=True).first()
    )
    if watermark is None:
        return None
    stale = rollups.touched_days(watermark - rollups.OVERLAP, start, end, remittances=False)
    return Plan(start=start, end=end, stale=tuple(stale), sites=sites)


# What each summary groups by on Sale, and where its rollup rows are: for a person who sees
# every site ("all") and for one narrowed to sites ("sites"), the monthly rollup for whole
# months (or None) and the daily rollup for the rest.
DIMENSIONS: dict[str, dict[str, tuple]] = {
    "site__name": {
        "all": (SiteMonthly, SiteDaily),
        "sites": (SiteMonthly, SiteDaily),
    },
    # AgentMonthly sums every site: only for those who see every site
    "seller__username": {"all": (AgentMonthly, AgentDaily), "sites": (None, AgentDaily)},
    "package__name": {"all": (None, PackageDaily), "sites": (None, SalesDaily)},
    "payment_method": {"all": (None, PackageDaily), "sites": (None, SalesDaily)},
    "channel": {"all": (None, ChannelDaily), "sites": (None, ChannelDaily)},
}


def _rolled(how: Plan, monthly, daily) -> list[QuerySet]:
    """The rows of the monthly rollup (or None) for the plan's whole months and of the
    daily one for its other rolled days, narrowed to the person's sites."""
    parts = []
    if monthly is not None and how.months:
        parts.append(monthly.objects.filter(in_ranges(how.months, "month")))
    parts.append(daily.objects.filter(how.days(monthly=monthly is not None)))
    if how.sites != EVERY_SITE:
        parts = [rows.filter(site__in=how.sites) for rows in parts]
    return parts


def _rolled_parts(dimension: str, how: Plan, figures: dict) -> list[QuerySet]:
    """The rollup querysets (key ``k`` and the given sums) of the plan's rolled days."""
    monthly, daily = DIMENSIONS[dimension]["all" if how.sites == EVERY_SITE else "sites"]
    return [
        rows.values(k=F(dimension)).annotate(**figures).order_by()
        for rows in _rolled(how, monthly, daily)
    ]


def _number(value: Any) -> Decimal:
    """A SUM from the cursor as a Decimal (PostgreSQL: numeric already; SQLite: int or
    float, through its shortest repr as Django's own converter does)."""
    if value is None:
        return Decimal(0)
    return Decimal(str(value)) if isinstance(value, float) else Decimal(value)


def _union_sum(parts: list[QuerySet]) -> list[tuple]:
    """SELECT k, SUM(n), SUM(a), SUM(c) over the parts' rows (columns k, n, a, c) UNION ALL,
    grouped and ordered by k, keys with no sale left out."""
    sqls, params = [], []
    for part in parts:
        sql, part_params = part.query.sql_with_params()
        sqls.append(sql)
        params += part_params
    k, n, a, c = (connection.ops.quote_name(name) for name in "knac")
    sql = (
        f"SELECT {k}, SUM({n}), SUM({a}), SUM({c}) FROM ({' UNION ALL '.join(sqls)}) parts"  # noqa: S608
        f" GROUP BY {k} HAVING SUM({n}) > 0 ORDER BY {k}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def summary_rows(
    sales: QuerySet[Sale], dimension: str, how: Plan
) -> list[tuple[Any, int, Decimal, Decimal]]:
    """(key, sales, amount, commission) per value of ``dimension`` (a lookup on Sale) for the
    plan's period, ordered by key as the database orders it: the rollups for the rolled days,
    ``sales`` (the sales the person sees, of the period) for the raw days."""
    figures = {"n": Sum("sales_count"), "a": Sum("sales_amount"), "c": Sum("commission")}
    parts = _rolled_parts(dimension, how, figures)
    if how.raw:
        parts.append(
            sales.filter(in_ranges(how.raw, "sold_at", midnight=True))
            .values(k=F(dimension))
            .annotate(n=Count("pk"), a=Sum("amount"), c=Sum("commission"))
            .order_by()
        )
    if not parts:
        return []
    return [(k, int(n), _number(a), _number(c)) for k, n, a, c in _union_sum(parts)]


def counts(actor: User, how: Plan) -> tuple[int, int]:
    """How many sales and refunds of the plan's period ``actor`` sees (the report's detail
    tables): SiteMonthly and SiteDaily for the rolled days (a refund counts on its own day,
    under its sale's site, as the report's refunds do), a COUNT of the raw days."""
    sold = refunded = 0
    for rows in _rolled(how, SiteMonthly, SiteDaily):
        totals = rows.aggregate(n=Sum("sales_count"), r=Sum("refunds_count"))
        sold += totals["n"] or 0
        refunded += totals["r"] or 0
    if how.raw:
        visible = sales_visible_to(actor)
        sold += visible.filter(in_ranges(how.raw, "sold_at", midnight=True)).count()
        refunded += Refund.objects.filter(
            in_ranges(how.raw, "refunded_at", midnight=True), sale__in=visible
        ).count()
    return sold, refunded
