"""Maintenance: open faults, uptime % and mean time to repair per site.

Uptime and MTTR are computed by the maintenance module's own selectors
(``erp.maintenance.selectors``), over the same period as ``/api/v1/downtimes/uptime/``
(local midnight of ``filters.start`` to local midnight of ``filters.end``), so a figure here
equals the API's for the same days and sites.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
from django.db.models import Count

from erp.maintenance import selectors
from erp.maintenance.choices import FaultStatus, Severity
from erp.maintenance.models import Fault
from erp.sites.models import Site

from .filters import Filters, local_midnight

SEVERITIES = [s.value for s in Severity]  # critical, major, minor: the bars' order


def _period(filters: Filters) -> tuple[dt.datetime, dt.datetime]:
    return local_midnight(filters.start), local_midnight(filters.end)


def _sites(filters: Filters) -> list[Site]:
    return list(filters.scoped(Site.objects.all(), site="pk").order_by("name"))


def _open_faults(filters: Filters):
    return filters.scoped(Fault.objects.exclude(status=FaultStatus.CLOSED), site="site")


def open_faults_by_severity(filters: Filters) -> pd.DataFrame:
    """How many faults are open right now, per severity, at the chosen sites?

    Open = not closed (reported, assigned, or repaired and waiting for verification); the
    period does not apply: it is the queue as it stands. Columns severity, label, faults; one
    row per severity (critical, major, minor), zero included.
    """
    counts = dict(_open_faults(filters).values_list("severity").annotate(n=Count("pk")).order_by())
    rows = [
        {"severity": s.value, "label": str(s.label), "faults": counts.get(s.value, 0)}
        for s in Severity
    ]
    return pd.DataFrame(rows, columns=["severity", "label", "faults"])


def open_faults_by_site(filters: Filters) -> pd.DataFrame:
    """Which sites have faults open right now, and how severe? Columns site, site_name,
    critical, major, minor, total; only sites with an open fault, by name."""
    rows = (
        _open_faults(filters)
        .values_list("site", "site__name", "severity")
        .annotate(n=Count("pk"))
        .order_by("site__name")
    )
    by_site: dict = {}
    for site, name, severity, n in rows:
        row = by_site.setdefault(
            str(site), {"site": str(site), "site_name": name, **dict.fromkeys(SEVERITIES, 0)}
        )
        row[severity] = n
    data = [{**row, "total": sum(row[s] for s in SEVERITIES)} for row in by_site.values()]
    return pd.DataFrame(data, columns=["site", "site_name", *SEVERITIES, "total"])


def uptime_by_site(filters: Filters, *, now: dt.datetime | None = None) -> pd.DataFrame:
    """What share of the period was each site in service?

    ``erp.maintenance.selectors.uptime_by_site`` over the period: downtimes merged (overlaps
    count once), clipped to the period; an outage still open counts until ``now``. Every
    chosen site has a row (100 % without downtime). Columns site, site_name, down_seconds,
    uptime_percent; by name.
    """
    sites = _sites(filters)
    start, end = _period(filters)
    figures = selectors.uptime_by_site(start=start, end=end, sites=sites, now=now)
    data = [
        {"site": str(s.pk), "site_name": s.name, **figures[s.pk]}  # down_seconds, uptime_percent
        for s in sites
    ]
    return pd.DataFrame(data, columns=["site", "site_name", "down_seconds", "uptime_percent"])


def mttr_by_site(filters: Filters) -> pd.DataFrame:
    """How long, on average, did it take to restore service at each site?

    ``erp.maintenance.selectors.mttr_by_site``: mean of (service restored, or closed when no
    restore time was recorded − reported) over the faults closed in the period. Only sites
    with a closed fault have a row. Columns site, site_name, mttr_seconds, mttr_hours; by
    name.
    """
    sites = _sites(filters)
    start, end = _period(filters)
    means = selectors.mttr_by_site(start=start, end=end, sites=sites)
    data = [
        {
            "site": str(s.pk),
            "site_name": s.name,
            "mttr_seconds": int(means[s.pk].total_seconds()),
            "mttr_hours": round(means[s.pk].total_seconds() / 3600, 2),
        }
        for s in sites
        if s.pk in means
    ]
    return pd.DataFrame(data, columns=["site", "site_name", "mttr_seconds", "mttr_hours"])
