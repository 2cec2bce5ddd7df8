"""Vouchers about to run out, and the clients to remind before their access ends."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from django.db.models import F
from django.utils import timezone

from erp.clients.models import Client
from erp.vouchers.choices import VoucherStatus
from erp.vouchers.models import Voucher

from .filters import Filters

LIMIT = 5000


def vouchers_expiring(
    filters: Filters, *, within: dt.timedelta, now: dt.datetime | None = None
) -> pd.DataFrame:
    """Which sold or active vouchers expire within ``within`` from now? Columns code, package,
    site, agent, status, expires_at; soonest first (at most 5,000 rows)."""
    now = now or timezone.now()
    rows = (
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
        list(rows), columns=["code", "package", "site", "agent", "status", "expires_at"]
    )


def clients_to_remind(
    filters: Filters, *, within: dt.timedelta, now: dt.datetime | None = None
) -> pd.DataFrame:
    """Which clients' access ends within ``within`` from now, and may we message them?
    Columns phone, name, site, agent, expires_at, marketing_consent; soonest first."""
    now = now or timezone.now()
    rows = (
        filters.scoped(
            Client.objects.filter(expires_at__gte=now, expires_at__lt=now + within),
            agent="agent",
        )
        .annotate(site_name=F("site__name"), agent_name=F("agent__username"))
        .values_list("phone", "name", "site_name", "agent_name", "expires_at", "marketing_consent")
        .order_by("expires_at")[:LIMIT]
    )
    frame = pd.DataFrame(
        list(rows),
        columns=["phone", "name", "site", "agent", "expires_at", "marketing_consent"],
    )
    frame["phone"] = frame["phone"].astype(str)
    return frame
