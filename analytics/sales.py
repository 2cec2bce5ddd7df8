"""Revenue and sales, read from the rollups (never from the raw sales table).

Money stays Decimal in every DataFrame (object columns, to the cent); charts convert to float
for drawing only, exports write the Decimals.
"""

from __future__ import annotations

import pandas as pd
from django.db.models import F, Sum
from django.db.models.functions import TruncMonth

from erp.core.money import to_money

from .filters import Filters
from .models import AgentDaily, SalesDaily

FIGURES = ("sales_count", "sales_amount", "refunds_count", "refunds_amount")
MONEY = ("revenue", "refunds", "net")


def _rollup(filters: Filters):
    """SalesDaily, or AgentDaily when agents are chosen (it has no payment method)."""
    if filters.agents:
        return filters.scoped(
            filters.days(AgentDaily.objects.all()), agent="seller", package="package"
        )
    return filters.scoped(filters.days(SalesDaily.objects.all()), package="package")


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
    rows = (
        _rollup(filters)
        .values("site")
        .annotate(site_name=F("site__name"), **_sums())
        .order_by("site__name")
    )
    frame = _frame(rows, ["site", "site_name"])
    if frame.empty:
        return frame
    frame["site"] = frame["site"].astype(str)
    return frame.sort_values(["net", "site_name"], ascending=[False, True], ignore_index=True)


def sales_by_package(filters: Filters) -> pd.DataFrame:
    """What sells, and how is it paid? One row per package and payment method: package,
    package_name, payment_method, sales, revenue, refunds_count, refunds, net."""
    rows = (
        filters.scoped(filters.days(SalesDaily.objects.all()), package="package")
        .values("package", "payment_method")
        .annotate(package_name=F("package__name"), **_sums())
        .order_by("package__name", "payment_method")
    )
    frame = _frame(rows, ["package", "package_name", "payment_method"])
    frame["package"] = frame["package"].astype(str)
    return frame
