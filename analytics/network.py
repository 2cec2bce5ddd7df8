"""Routers: active users and traffic over time, sites up or down right now."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from django.db.models import Count, F, FloatField, Max, Min, Q, Sum
from django.db.models.functions import Cast, NullIf, TruncDay
from django.utils import timezone

from erp.integrations.openwisp.models import OpenWispDevice
from erp.mikrotik.selectors import ONLINE_WINDOW, users_online
from erp.sites.choices import RouterStatus
from erp.sites.models import Router, Site

from .filters import Filters, local_midnight
from .models import RouterHourly

HOURLY_UP_TO = dt.timedelta(days=7)


def router_activity(filters: Filters, *, busiest: int | None = None) -> pd.DataFrame:
    """How many users were online, and how much traffic went through each router, over time?

    Hourly buckets for periods up to 7 days, daily beyond. Columns router, router_name,
    site_name, at, active_users (mean of the samples), rx_bytes and tx_bytes (growth of the
    router's interface counters within the bucket: highest − lowest reading). From the
    RouterHourly rollup (as of its last refresh, a few minutes at most). ``busiest``: only
    that many routers, those with the most users on average over the period.
    """
    lo, hi = local_midnight(filters.start), local_midnight(filters.end)
    hours = filters.scoped(
        RouterHourly.objects.filter(hour__gte=lo, hour__lt=hi), site="router__site"
    )
    if busiest:
        mean = Cast(Sum("users_sum"), FloatField()) / NullIf(Sum("users_samples"), 0)
        top = (
            hours.values("router")
            .annotate(mean=mean)
            .filter(mean__isnull=False)
            .order_by("-mean", "router")
            .values_list("router", flat=True)[:busiest]
        )
        hours = hours.filter(router__in=list(top))
    bucket = F("hour") if hi - lo <= HOURLY_UP_TO else TruncDay("hour")
    rows = (
        hours.annotate(at=bucket)
        .values("router", "at")
        .annotate(
            router_name=F("router__name"),
            site_name=F("router__site__name"),
            users=Sum("users_sum"),
            users_n=Sum("users_samples"),
            rx_max=Max("rx_max"),
            rx_min=Min("rx_min"),
            tx_max=Max("tx_max"),
            tx_min=Min("tx_min"),
        )
        .order_by("router__name", "at")
    )
    data = [
        {
            "router": str(r["router"]),
            "router_name": r["router_name"],
            "site_name": r["site_name"],
            "at": timezone.localtime(r["at"]),
            "active_users": round(r["users"] / r["users_n"], 1) if r["users_n"] else 0.0,
            "rx_bytes": max((r["rx_max"] or 0) - (r["rx_min"] or 0), 0),
            "tx_bytes": max((r["tx_max"] or 0) - (r["tx_min"] or 0), 0),
        }
        for r in rows
    ]
    columns = ["router", "router_name", "site_name", "at", "active_users", "rx_bytes", "tx_bytes"]
    return pd.DataFrame(data, columns=columns)


def site_status(filters: Filters) -> pd.DataFrame:
    """Where are the sites and are they up? Columns site, name, code, latitude, longitude,
    status, routers, routers_down, down (every router of the site is down)."""
    sites = filters.scoped(Site.objects.all(), site="pk")
    rows = (
        sites.annotate(
            n_routers=Count("routers"),
            n_down=Count("routers", filter=Q(routers__status=RouterStatus.DOWN)),
        )
        .values_list("pk", "name", "code", "latitude", "longitude", "status", "n_routers", "n_down")
        .order_by("name")
    )
    frame = pd.DataFrame(
        list(rows),
        columns=[
            "site",
            "name",
            "code",
            "latitude",
            "longitude",
            "status",
            "routers",
            "routers_down",
        ],
    )
    frame["site"] = frame["site"].astype(str)
    frame["down"] = (frame["routers"] > 0) & (frame["routers_down"] == frame["routers"])
    return frame


def active_users_now(
    filters: Filters,
    *,
    now: dt.datetime | None = None,
    window: dt.timedelta = ONLINE_WINDOW,
) -> int:
    """How many users are online now? Per router, the latest sample within the window that
    counted the sessions (``erp.mikrotik.selectors.users_online``; the 1-minute health
    samples carry no count), summed over the chosen sites' routers."""
    online = users_online(filters.scoped(Router.objects.all()), now=now, window=window)
    return sum(n or 0 for n in online.values())


def routers_down() -> int:
    """How many routers are down right now?"""
    return Router.objects.filter(status=RouterStatus.DOWN).count()


EQUIPMENT_COLUMNS = ["site_name", "kind", "status", "count"]


def equipment_status(filters: Filters) -> pd.DataFrame:
    """Routers and access points per site by status, now: routers as monitoring polls them
    (up, down, unknown), access points as OpenWISP monitoring reports them (ok, problem,
    critical, unknown, deactivated). Columns site_name, kind ("router" | "access point"),
    status, count. A query each, grouped in the database."""
    routers = (
        filters.scoped(Router.objects.all())
        .values_list("site__name", "status")
        .annotate(n=Count("pk"))
        .order_by("site__name", "status")
    )
    aps = (
        filters.scoped(OpenWispDevice.objects.all())
        .values_list("site__name", "health")
        .annotate(n=Count("pk"))
        .order_by("site__name", "health")
    )
    rows = [(site, "router", status, n) for site, status, n in routers]
    rows += [(site, "access point", status, n) for site, status, n in aps]
    return pd.DataFrame(rows, columns=EQUIPMENT_COLUMNS)
