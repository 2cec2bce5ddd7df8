"""The headline figures: today, this week, this month."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pandas as pd
from django.utils import timezone

from . import network, sales
from .filters import Filters


def periods(today: dt.date) -> dict[str, tuple[dt.date, dt.date]]:
    """Today, this week (from Monday) and this month, each as start ≤ day < end."""
    tomorrow = today + dt.timedelta(days=1)
    return {
        "today": (today, tomorrow),
        "week": (today - dt.timedelta(days=today.weekday()), tomorrow),
        "month": (today.replace(day=1), tomorrow),
    }


def headline(
    filters: Filters, *, today: dt.date | None = None, daily: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Revenue, sales and refunds for today, this week and this month (the filters' sites,
    agents and packages apply; their period does not). Columns period, sales, revenue,
    refunds, net; plus active_users and sites_down now (same on every row). ``daily``: a
    revenue_by_day frame already read that covers this month (the dashboard reads the last 30
    days and the month in one query)."""
    today = today or timezone.localdate()
    spans = periods(today)
    if daily is None:
        first = min(start for start, _end in spans.values())
        daily = sales.revenue_by_day(replace(filters, start=first, end=spans["today"][1]))
    rows = []
    zero = sales.to_money(0)
    for name, (start, end) in spans.items():
        frame = daily[(daily["day"] >= start) & (daily["day"] < end)]
        rows.append(
            {
                "period": name,
                "sales": int(frame["sales"].sum()),
                "revenue": sum(frame["revenue"], start=zero),
                "refunds": sum(frame["refunds"], start=zero),
                "net": sum(frame["net"], start=zero),
            }
        )
    frame = pd.DataFrame(rows, columns=["period", "sales", "revenue", "refunds", "net"])
    frame["active_users"] = network.active_users_now(filters)
    frame["sites_down"] = int(network.site_status(filters)["down"].sum())
    return frame
