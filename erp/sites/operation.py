"""A site's operation as its page shows it: routers and their status, agents, revenue, users
online, uptime and open faults.

Every figure comes from the owning app's selector, scoped to the asking user (an agent: the
agent's own sales); this module only composes them for one site. A handful of queries, none of
which reads more than the site's rows: sales are an indexed range on ``sold_at``, samples the
latest per router, downtimes the site's in the period.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils import timezone

from erp.accounts.models import User
from erp.maintenance.selectors import (
    OPEN_STATUSES,
    faults_visible_to,
    recent_downtimes,
    uptime_by_site,
)
from erp.mikrotik.selectors import users_online
from erp.sales.selectors import sales_by_seller, sales_in_windows

from .models import Site
from .selectors import routers_visible_to

UPTIME_DAYS = 30
OPEN_FAULTS_SHOWN = 5
DOWNTIMES_SHOWN = 10


def local_midnight(day: dt.date) -> dt.datetime:
    """The start of a local day (settings.TIME_ZONE), aware."""
    return dt.datetime.combine(day, dt.time.min, tzinfo=timezone.get_current_timezone())


def site_operation(user: User, site: Site, *, now: dt.datetime | None = None) -> dict[str, Any]:
    """The figures of ``site``'s page, as far as ``user`` may see them.

    routers: [{router, online}] by name (status, since: on the router); users_online: their
    sum (None when no router counted its sessions in the last 15 minutes); agents: [{agent,
    count, amount}] this month at this site (an agent sees only the agent's own row);
    today / month: {count, amount} of the sales at this site since local midnight / the 1st;
    uptime: {down_seconds, uptime_percent} over the last 30 days; downtimes: the last 10 of
    those days, each with the fault that opened it (the uptime's "why"); open_faults: count
    and the 5 due soonest. Also the periods, for the links to the filtered lists.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    month_start = today.replace(day=1)
    routers = list(routers_visible_to(user).filter(site=site).order_by("name"))
    online = users_online(routers_visible_to(user).filter(site=site), now=now)
    counted = [n for n in online.values() if n is not None]

    windows = {"today": (local_midnight(today), now), "month": (local_midnight(month_start), now)}
    sales = sales_in_windows(user, windows, site=site)
    by_seller = sales_by_seller(user, start=windows["month"][0], end=now, site=site)
    agents = site.agents.filter(is_active=True)
    if user.is_agent:
        agents = agents.filter(pk=user.pk)
    zero = {"count": 0, "amount": Decimal("0.00")}

    open_faults = faults_visible_to(user).filter(site=site, status__in=OPEN_STATUSES)
    uptime_start = now - dt.timedelta(days=UPTIME_DAYS)
    uptime = uptime_by_site(start=uptime_start, end=now, sites=[site], now=now)[site.pk]
    return {
        "routers": [{"router": r, "online": online.get(r.pk)} for r in routers],
        "users_online": sum(counted) if counted else None,
        "agents": [
            {"agent": agent, **by_seller.get(agent.pk, zero)}
            for agent in agents.order_by("first_name", "last_name", "username")
        ],
        "today": sales["today"],
        "month": sales["month"],
        "uptime": uptime,
        "uptime_days": UPTIME_DAYS,
        "downtimes": [
            {"downtime": d, "seconds": ((d.ended_at or now) - d.started_at).total_seconds()}
            for d in recent_downtimes(user, since=uptime_start, site=site, limit=DOWNTIMES_SHOWN)
        ],
        "open_faults": {
            "count": open_faults.count(),
            "faults": list(open_faults.order_by("due_at")[:OPEN_FAULTS_SHOWN]),
        },
        "day": today,
        "month_start": month_start,
    }
