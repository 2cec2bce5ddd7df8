"""Vouchers about to run out, and the clients to remind before their access ends."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from django.db.models import Count, F, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from erp.clients.models import Client
from erp.vouchers.choices import VoucherStatus
from erp.vouchers.models import Voucher

from .fetch import rows
from .filters import Filters, local_midnight

LIMIT = 5000


def vouchers_expiring(
    filters: Filters, *, within: dt.timedelta, now: dt.datetime | None = None
) -> pd.DataFrame:
    """Which sold or active vouchers expire within ``within`` from now? Columns code, package,
    site, agent, status, expires_at; soonest first (at most 5,000 rows)."""
    now = now or timezone.now()
    found = (
        filters.scoped(
            Voucher.objects.filter(
                status__in=[VoucherStatus.SOLD, VoucherStatus.ACTIVE],
                expires_at__gte=now,
                expires_at__lt=now + within,
            ),
            agent="agent",
            package="package",
        )
        .annotate(
            package_name=F("package__name"),
            site_name=F("site__name"),
            agent_name=F("agent__username"),
        )
        .values_list("code", "package_name", "site_name", "agent_name", "status", "expires_at")
        .order_by("expires_at")[:LIMIT]
    )
    return pd.DataFrame(
        list(found), columns=["code", "package", "site", "agent", "status", "expires_at"]
    )


def clients_to_remind(
    filters: Filters,
    *,
    within: dt.timedelta,
    now: dt.datetime | None = None,
    consented_only: bool = False,
) -> pd.DataFrame:
    """Which clients' access ends within ``within`` from now, and may we message them?
    Columns phone, name, site, agent, expires_at, marketing_consent; soonest first (at most
    5,000). ``consented_only``: only those who agreed to marketing messages (the list the
    Overview page hands out)."""
    now = now or timezone.now()
    clients = Client.objects.filter(expires_at__gte=now, expires_at__lt=now + within)
    if consented_only:
        clients = clients.filter(marketing_consent=True)
    found = (
        filters.scoped(clients, agent="agent")
        .annotate(site_name=F("site__name"), agent_name=F("agent__username"))
        .values_list("phone", "name", "site_name", "agent_name", "expires_at", "marketing_consent")
        .order_by("expires_at")[:LIMIT]
    )
    frame = pd.DataFrame(
        list(found),
        columns=["phone", "name", "site", "agent", "expires_at", "marketing_consent"],
    )
    frame["phone"] = frame["phone"].astype(str)
    return frame


def expiring_by_day(
    filters: Filters, *, days: int = 7, now: dt.datetime | None = None
) -> pd.DataFrame:
    """How much access ends on each of the next ``days`` local days, today first? Columns
    day, vouchers (active vouchers whose time runs out that day), clients (whose paid access
    ends), clients_consent (of them, those who agreed to marketing messages). Counted in the
    database, so complete (the lists are capped). Current state: the period does not apply;
    sites and agents do, packages to the vouchers."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    end = local_midnight(today + dt.timedelta(days=days))
    vouchers = filters.scoped(
        Voucher.objects.filter(
            status__in=[VoucherStatus.SOLD, VoucherStatus.ACTIVE],
            expires_at__gte=now,
            expires_at__lt=end,
        ),
        agent="agent",
        package="package",
    )
    clients = filters.scoped(
        Client.objects.filter(expires_at__gte=now, expires_at__lt=end), agent="agent"
    )
    by_day = {today + dt.timedelta(days=i): [0, 0, 0] for i in range(days)}
    counted = vouchers.annotate(d=TruncDate("expires_at")).values_list("d").annotate(n=Count("pk"))
    for day, n in rows(counted.order_by()):
        by_day[day][0] = n
    consent = Count("pk", filter=Q(marketing_consent=True))
    counted = clients.annotate(d=TruncDate("expires_at")).values_list("d")
    for day, n, agreed in rows(counted.annotate(n=Count("pk"), ok=consent).order_by()):
        by_day[day][1:] = [n, agreed]
    return pd.DataFrame(
        [[day, *counts] for day, counts in by_day.items()],
        columns=["day", "vouchers", "clients", "clients_consent"],
    )
