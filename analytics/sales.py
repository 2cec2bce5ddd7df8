"""Revenue and sales, read from the rollups (never from the raw sales table).

Money stays Decimal in every DataFrame (object columns, to the cent); charts convert to float
for drawing only, exports write the Decimals.
"""

from __future__ import annotations

from uuid import UUID

import pandas as pd
from django.db.models import F, Sum
from django.db.models.functions import TruncMonth

from erp.core.money import to_money
from erp.sites.models import Site

from .fetch import rows
from .filters import Filters, in_ranges
from .models import AgentDaily, PackageDaily, SalesDaily, SiteDaily, SiteMonthly
from .rollups import FIGURES as ROLLUP_FIGURES

FIGURES = ("sales_count", "sales_amount", "refunds_count", "refunds_amount")
MONEY = ("revenue", "refunds", "net")


def _rollup(filters: Filters, *, by_site: bool = False):
    """The smallest rollup that has the keys a chart groups by and filters on: AgentDaily when
    agents are chosen; over all sites PackageDaily (a few rows a day); without packages
    SiteDaily (a row per site a day); else SalesDaily."""
    if filters.agents:
        return filters.scoped(
            filters.days(AgentDaily.objects.all()), agent="seller", package="package"
        )
    if not filters.sites and not by_site:
        return filters.scoped(
            filters.days(PackageDaily.objects.all()), site=None, package="package"
        )
    if not filters.packages:
        return filters.scoped(filters.days(SiteDaily.objects.all()))
    return filters.scoped(filters.days(SalesDaily.objects.all()), package="package")


def site_totals(filters: Filters) -> dict[UUID, dict]:
    """Per site: the six rollup figures (sales and refunds counted and summed, commission and
    its reversals) and site_name, for the period. Without packages or agents chosen, whole
    months come from SiteMonthly and only the days around them from SiteDaily."""
    if filters.agents or filters.packages:
        sources = [_rollup(filters, by_site=True)]
    else:
        edges, months = filters.calendar()
        sources = []
        if months is not None:
            sources.append(filters.scoped(SiteMonthly.objects.filter(in_ranges([months], "month"))))
        if edges:
            sources.append(filters.scoped(SiteDaily.objects.filter(in_ranges(edges, "day"))))
    out: dict[UUID, dict] = {}
    sums = {f: Sum(f) for f in ROLLUP_FIGURES}
    for source in sources:
        # grouped by the site alone (a hash of ids); the names are looked up once after
        for site, *figures in rows(source.values_list("site").annotate(**sums).order_by()):
            acc = out.setdefault(site, dict.fromkeys(ROLLUP_FIGURES, 0))
            for f, value in zip(ROLLUP_FIGURES, figures, strict=True):
                acc[f] += value or 0
    names = dict(rows(Site.objects.filter(pk__in=list(out)).values_list("pk", "name")))
    for site, acc in out.items():
        acc["site_name"] = names.get(site)
    return out


def _frame(rows, keys: list[str]) -> pd.DataFrame:
    columns = [*keys, "sales", "revenue", "refunds_count", "refunds", "net"]
    data = []
    for row in rows:
        revenue = to_money(row["sales_amount"] or 0)
        refunds = to_money(row["refunds_amount"] or 0)
        data.append(
            [
                *(row[k] for k in keys),
                int(row["sales_count"] or 0),
                revenue,
                int(row["refunds_count"] or 0),
                refunds,
                revenue - refunds,
            ]
        )
    return pd.DataFrame(data, columns=columns)


def _sums():
    return {f: Sum(f) for f in FIGURES}


def revenue_by_day(filters: Filters) -> pd.DataFrame:
    """How much was sold each day? Columns: day, sales, revenue, refunds_count, refunds, net.
    Revenue is the amount paid; refunds count on the day they were given; net is revenue less
    refunds."""
    rows = _rollup(filters).values("day").annotate(**_sums()).order_by("day")
    return _frame(rows, ["day"])


def revenue_by_month(filters: Filters) -> pd.DataFrame:
    """How much was sold each month? Same columns as revenue_by_day, with month (its 1st day)."""
    rows = (
        _rollup(filters)
        .annotate(month=TruncMonth("day"))
        .values("month")
        .annotate(**_sums())
        .order_by("month")
    )
    return _frame(rows, ["month"])


def revenue_by_site(filters: Filters) -> pd.DataFrame:
    """Which sites earn most? One row per site with sales: site, site_name, sales, revenue,
    refunds_count, refunds, net; ranked by net revenue, highest first."""
    totals = site_totals(filters)
    rows = [{"site": site, **row} for site, row in totals.items()]
    frame = _frame(rows, ["site", "site_name"])
    if frame.empty:
        return frame
    frame["site"] = frame["site"].astype(str)
    return frame.sort_values(["net", "site_name"], ascending=[False, True], ignore_index=True)


def sales_by_package(filters: Filters) -> pd.DataFrame:
    """What sells, and how is it paid? One row per package and payment method: package,
    package_name, payment_method, sales, revenue, refunds_count, refunds, net. (The agent
    choice does not apply: the agents' rollup has no payment method.)"""
    if filters.sites:
        rollup = filters.scoped(filters.days(SalesDaily.objects.all()), package="package")
    else:
        rollup = filters.scoped(
            filters.days(PackageDaily.objects.all()), site=None, package="package"
        )
    rows = (
        rollup.values("package", "payment_method")
        .annotate(package_name=F("package__name"), **_sums())
        .order_by("package__name", "payment_method")
    )
    frame = _frame(rows, ["package", "package_name", "payment_method"])
    frame["package"] = frame["package"].astype(str)
    return frame
