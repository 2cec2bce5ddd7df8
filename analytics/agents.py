"""Agents: commission earned, cash owed to the office, and voucher stock ageing unsold."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from uuid import UUID

import pandas as pd
from django.db.models import Q, Sum
from django.utils import timezone

from erp.accounts.models import User
from erp.core.money import to_money
from erp.sales.models import Remittance
from erp.sites.models import Site

from .filters import Filters, first_of_next_month, split_months
from .models import AgentDaily, AgentMonthly, StockAge
from .rollups import AGE_DAYS

AGE_BUCKETS = tuple(
    zip(AGE_DAYS, ("0–7 days", "8–30 days", "31–90 days"), strict=True)
)  # as StockAge counts
OLDEST = "over 90 days"
FIELDS = ("sales_count", "sales_amount", "commission", "refunds_amount", "commission_reversed")


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=timezone.get_current_timezone())


def _name(user: User) -> str:
    return user.get_full_name() or user.username


def _seller_sums(
    start: dt.date | None, end: dt.date, sellers: set[UUID] | None
) -> dict[UUID, dict[str, Decimal]]:
    """Sales, refunds, commission and remittances per seller for days start ≤ day < end
    (start None: from the beginning). Whole months come from AgentMonthly, the days on either
    side from AgentDaily and the remittance table (a month at most each side), so a two-year
    balance for thousands of agents reads months, not days. Nothing is dated after today, so
    a period running past today reads this month from AgentMonthly too."""
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    edges, months = split_months(start, first_of_next_month(tomorrow) if end >= tomorrow else end)
    out: dict[UUID, dict[str, Decimal]] = {}

    def add(rows, key: str) -> None:
        for row in rows:
            acc = out.setdefault(row.pop(key), dict.fromkeys((*FIELDS, "remitted"), Decimal(0)))
            for name, value in row.items():
                acc[name] += value or 0

    def narrow(queryset, field: str):
        return queryset if sellers is None else queryset.filter(**{f"{field}__in": sellers})

    sums = {f: Sum(f) for f in FIELDS}
    if months is not None:
        monthly = AgentMonthly.objects.filter(month__lt=months[1])
        if months[0] is not None:
            monthly = monthly.filter(month__gte=months[0])
        add(
            narrow(monthly, "seller")
            .values("seller")
            .annotate(**sums, remitted=Sum("remitted"))
            .order_by(),
            "seller",
        )
    if edges:
        days = Q()
        paid = Q()
        for lo, hi in edges:
            days |= Q(day__gte=lo, day__lt=hi)
            paid |= Q(received_at__gte=_midnight(lo), received_at__lt=_midnight(hi))
        add(
            narrow(AgentDaily.objects.filter(days), "seller")
            .values("seller")
            .annotate(**sums)
            .order_by(),
            "seller",
        )
        add(
            narrow(Remittance.objects.filter(paid), "agent")
            .values("agent")
            .annotate(remitted=Sum("amount"))
            .order_by(),
            "agent",
        )
    return out


def _sellers(filters: Filters) -> set[UUID] | None:
    """The agents a choice of agents or sites means (None: everyone who sold or remitted)."""
    if filters.agents:
        return {UUID(str(a)) for a in filters.agents}
    if filters.sites:
        members = Site.agents.through.objects.filter(site__in=filters.sites)
        sold_there = filters.scoped(filters.days(AgentDaily.objects.all()))
        return set(members.values_list("user", flat=True)) | set(
            sold_there.values_list("seller", flat=True).distinct()
        )
    return None


def agent_figures(filters: Filters) -> pd.DataFrame:
    """What did each agent sell and earn in the period, and what do they owe at its end?

    The same figures as erp.sales.services.statement(agent, start, end) with start and end at
    local midnight: sales_count, sales_amount, refunds_amount, commission (net of reversals),
    collected, remitted, and balance_owed counting everything before the end. Agents are the
    chosen agents, else the agents of the chosen sites and whoever sold there in the period,
    else everyone who ever sold or remitted; sorted by balance owed, largest first.
    """
    sellers = _sellers(filters)
    to_date = _seller_sums(None, filters.end, sellers)
    period = _seller_sums(filters.start, filters.end, sellers)
    ids = sellers if sellers is not None else set(to_date)
    users = {
        u.pk: u for u in User.objects.filter(pk__in=ids).only("username", "first_name", "last_name")
    }
    zero = dict.fromkeys((*FIELDS, "remitted"), Decimal(0))
    data = []
    for pk in ids:
        t, p = to_date.get(pk, zero), period.get(pk, zero)
        sales_amount, refunds = to_money(p["sales_amount"]), to_money(p["refunds_amount"])
        balance = (
            t["sales_amount"]
            - t["refunds_amount"]
            - (t["commission"] - t["commission_reversed"])
            - t["remitted"]
        )
        data.append(
            {
                "agent": pk,
                "agent_name": _name(users[pk]) if pk in users else str(pk),
                "sales_count": int(p["sales_count"]),
                "sales_amount": sales_amount,
                "refunds_amount": refunds,
                "commission": to_money(p["commission"] - p["commission_reversed"]),
                "collected": sales_amount - refunds,
                "remitted": to_money(p["remitted"]),
                "balance_owed": to_money(balance),
            }
        )
    columns = [
        "agent",
        "agent_name",
        "sales_count",
        "sales_amount",
        "refunds_amount",
        "commission",
        "collected",
        "remitted",
        "balance_owed",
    ]
    frame = pd.DataFrame(data, columns=columns)
    return frame.sort_values(
        ["balance_owed", "agent_name"], ascending=[False, True], ignore_index=True
    )


def stock_aging(filters: Filters) -> pd.DataFrame:
    """How much unsold stock does each agent hold, and for how long has it been unsold?

    Unused vouchers held by an agent, counted by days since they came into the agent's hands
    (made for the agent, or assigned later): columns agent, agent_name, then one per bucket
    (0–7, 8–30, 31–90, over 90 days) and total. Current stock, from the StockAge rollup (as
    of its last refresh, at most a few minutes old): the period does not apply,
    sites/agents/packages do.
    """
    labels = [label for _d, label in AGE_BUCKETS] + [OLDEST]
    buckets = {f"b{i}": Sum("vouchers", filter=Q(bucket=i)) for i in range(len(labels))}
    stock = filters.scoped(StockAge.objects.all(), agent="agent", package="package")
    rows = list(stock.values("agent").annotate(**buckets).order_by())
    users = {
        u.pk: u
        for u in User.objects.filter(pk__in=[r["agent"] for r in rows]).only(
            "username", "first_name", "last_name"
        )
    }
    data = []
    for row in rows:
        counts = {label: int(row[f"b{i}"] or 0) for i, label in enumerate(labels)}
        data.append(
            {
                "agent": row["agent"],
                "agent_name": _name(users[row["agent"]]),
                **counts,
                "total": sum(counts.values()),
            }
        )
    frame = pd.DataFrame(data, columns=["agent", "agent_name", *labels, "total"])
    return frame.sort_values([OLDEST, "total"], ascending=False, ignore_index=True)
