"""Agents: commission earned, cash owed to the office, and voucher stock ageing unsold."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from uuid import UUID

import pandas as pd
from django.db.models import OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_noop

from erp.accounts.models import User
from erp.accounts.roles import Role
from erp.core.money import to_money
from erp.sales.models import Remittance
from erp.sites.models import Site

from .fetch import rows
from .filters import Filters, first_of_next_month, in_ranges, split_months
from .models import AgentCarry, AgentDaily, AgentMonthly, StockAge
from .rollups import AGE_DAYS

AGE_BUCKETS = tuple(
    zip(
        AGE_DAYS,
        (gettext_noop("0–7 days"), gettext_noop("8–30 days"), gettext_noop("31–90 days")),
        strict=True,
    )
)  # as StockAge counts; the labels are column names, translated where they are shown
OLDEST = gettext_noop("over 90 days")
FIELDS = ("sales_count", "sales_amount", "commission", "refunds_amount", "commission_reversed")
ALL_FIELDS = (*FIELDS, "remitted", "owed")


def _last_day(filters: Filters) -> dt.date:
    """The period's end, or the first of next month if it runs past today: nothing is dated
    after today, and a whole month reads one AgentMonthly row instead of its days."""
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    return first_of_next_month(tomorrow) if filters.end >= tomorrow else filters.end


def balances_owed(filters: Filters, sellers: set[UUID] | None = None) -> dict[UUID, Decimal]:
    """What each seller owes the office at the period's end: every sale before it less
    refunds, commission (net of reversals) and remittances. One figure a seller, summed in
    the database: the carried balance (AgentCarry) and this month when the period runs to
    today, else AgentMonthly's ``owed`` for whole months and the days around them from
    AgentDaily and the remittances. ``sellers``: only these (None: everyone with a row)."""
    end = _last_day(filters)
    edges, months = split_months(None, end)
    sources = []

    def narrow(queryset, field: str = "seller"):
        return queryset if sellers is None else queryset.filter(**{f"{field}__in": sellers})

    this_month = timezone.localdate().replace(day=1)
    if months == (None, first_of_next_month(this_month)):
        carried = AgentCarry.objects.filter(before=this_month)
        if carried.exists():  # the months before this one, carried; then this one
            sources.append(narrow(carried).values_list("seller").annotate(a=Sum("owed")))
            months = (this_month, months[1])
    if months is not None:
        monthly = AgentMonthly.objects.filter(in_ranges([months], "month"))
        sources.append(narrow(monthly).values_list("seller").annotate(a=Sum("owed")))
    if edges:
        daily = narrow(AgentDaily.objects.filter(in_ranges(edges, "day")))
        net = Sum("sales_amount") - Sum("refunds_amount") - Sum("commission")
        sources.append(daily.values_list("seller").annotate(a=net + Sum("commission_reversed")))
        remitted = narrow(Remittance.objects.filter(in_ranges(edges, "received_at", True)), "agent")
        sources.append(remitted.values_list("agent").annotate(a=-Sum("amount")))
    owed: dict[UUID, Decimal] = {}
    for source in sources:
        for seller, amount in rows(source.order_by()):  # (seller, amount) rows
            owed[seller] = owed.get(seller, Decimal(0)) + (amount or 0)
    return owed


def overdue_remittances(user: User, *, now, days: int, limit: int = 5) -> dict | None:
    """Agents who owe the office money and have not remitted for more than ``days`` days (or
    never), for those who may see remittances (None for the others; an agent is never shown
    other agents). Returns count, total owed and the ``limit`` owing most (agent, owed,
    last_remitted), the biggest first.

    The last remittance is read per agent from the (agent, received_at) index; the balances
    come from the rollups (balances_owed: the carried balance plus
    this month, refreshed every 5 minutes), so this never sums every sale of every agent.
    """
    if not user.is_authenticated or user.is_agent or not user.has_perm("sales.view_remittance"):
        return None
    cutoff = now - dt.timedelta(days=days)
    last = (
        Remittance.objects.filter(agent=OuterRef("pk"))
        .order_by("-received_at")
        .values("received_at")[:1]
    )
    candidates = {
        agent.pk: agent
        for agent in User.objects.filter(groups__name=Role.AGENT)
        .annotate(last_remitted=Subquery(last))
        .filter(Q(last_remitted__isnull=True) | Q(last_remitted__lt=cutoff))
        .only("pk", "username", "first_name", "last_name")
    }
    if not candidates:
        return {"count": 0, "total": to_money(0), "agents": [], "days": days}
    today = timezone.localdate(now)
    owed = balances_owed(Filters(start=today, end=today + dt.timedelta(days=1)), set(candidates))
    overdue = sorted(
        ((to_money(amount), pk) for pk, amount in owed.items() if pk in candidates and amount > 0),
        key=lambda pair: (-pair[0], str(pair[1])),
    )
    return {
        "count": len(overdue),
        "total": to_money(sum((amount for amount, _pk in overdue), Decimal(0))),
        "agents": [
            {
                "agent": candidates[pk],
                "owed": amount,
                "last_remitted": candidates[pk].last_remitted,
            }
            for amount, pk in overdue[:limit]
        ],
        "days": days,
    }


def _seller_sums(filters: Filters, sellers: set[UUID] | None) -> dict[UUID, dict[str, Decimal]]:
    """Per seller, for the period: sales, refunds, commission, its reversals, remittances and
    ``owed``. Whole months come from AgentMonthly, the days around them from AgentDaily and
    the remittance table."""
    edges, months = split_months(filters.start, _last_day(filters))
    out: dict[UUID, dict[str, Decimal]] = {}
    zero = dict.fromkeys(ALL_FIELDS, Decimal(0))

    def add(queryset, key: str, fields: dict[str, str]) -> None:
        """fields: our figure ← the column summed, per ``key`` (the seller)."""
        if sellers is not None:
            queryset = queryset.filter(**{f"{key}__in": sellers})
        names = list(fields)
        sums = {f: Sum(column) for f, column in fields.items()}
        grouped = queryset.values_list(key).annotate(**sums).order_by()
        for seller, *values in rows(grouped):
            acc = out.setdefault(seller, dict(zero))
            for name, value in zip(names, values, strict=True):
                acc[name] += value or 0

    if filters.sites or filters.packages:
        # a choice of sites or packages (a site's drill-down): the agent's sales there only,
        # from the daily rows, which carry site and package (the monthly rows do not)
        last = _last_day(filters)
        daily = AgentDaily.objects.filter(day__gte=filters.start, day__lt=last)
        add(filters.scoped(daily, package="package"), "seller", {f: f for f in FIELDS})
        # cash is handed in by the agent, not by site: remittances stay the agent's
        edges = [(filters.start, last)]
    else:
        if months is not None:
            monthly = AgentMonthly.objects.filter(in_ranges([months], "month"))
            add(monthly, "seller", {f: f for f in ALL_FIELDS})
        if edges:
            daily = AgentDaily.objects.filter(in_ranges(edges, "day"))
            add(daily, "seller", {f: f for f in FIELDS})
    if edges:
        remitted = Remittance.objects.filter(in_ranges(edges, "received_at", True))
        add(remitted, "agent", {"remitted": "amount"})
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


def agent_figures(filters: Filters, *, top: int | None = None) -> pd.DataFrame:
    """What did each agent sell and earn in the period, and what do they owe at its end?

    The same figures as erp.sales.services.statement(agent, start, end) with start and end at
    local midnight: sales_count, sales_amount, refunds_amount, commission (net of reversals),
    collected, remitted, and balance_owed counting everything before the end. With a choice
    of sites or packages the sales figures are those at the chosen sites / of the chosen
    packages only (a site's drill-down: what the agent sold there); remitted and balance_owed
    stay the agent's, since cash is handed in by the agent, not by site. Agents are the
    chosen agents, else the agents of the chosen sites and whoever sold there in the period,
    else everyone who ever sold or remitted; sorted by balance owed, largest first. ``top``:
    only that many agents, those owing most (the period's figures are then read for them
    alone — the chart of thousands of agents draws 25).
    """
    sellers = _sellers(filters)
    zero = dict.fromkeys(ALL_FIELDS, Decimal(0))
    owed = balances_owed(filters, sellers)
    ids = sellers if sellers is not None else set(owed)
    balances = {pk: owed.get(pk, Decimal(0)) for pk in ids}
    if top is not None and len(ids) > top:
        # names only for the top and whoever ties with the last of it (ties go by name)
        last = sorted(balances.values(), reverse=True)[top - 1]
        ids = {pk for pk, balance in balances.items() if balance >= last}
    names = {
        pk: f"{first} {last}".strip() or username
        for pk, username, first, last in rows(
            User.objects.filter(pk__in=ids).values_list("pk", "username", "first_name", "last_name")
        )
    }
    if top is not None:
        ranked = sorted(ids, key=lambda pk: names.get(pk, str(pk)))
        ids = set(sorted(ranked, key=balances.__getitem__, reverse=True)[:top])
    chosen = ids if top is not None or sellers is not None else None  # None: everyone
    period = _seller_sums(filters, chosen) if ids else {}
    data = []
    for pk in ids:
        p = period.get(pk, zero)
        sales_amount, refunds = to_money(p["sales_amount"]), to_money(p["refunds_amount"])
        balance = balances[pk]
        data.append(
            (
                pk,
                names.get(pk, str(pk)),
                int(p["sales_count"]),
                sales_amount,
                refunds,
                to_money(p["commission"] - p["commission_reversed"]),
                sales_amount - refunds,
                to_money(p["remitted"]),
                to_money(balance),
            )
        )
    data.sort(key=lambda row: row[1])  # by name, then (stable) by balance owed, largest first
    data.sort(key=lambda row: row[-1], reverse=True)
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
    return pd.DataFrame.from_records(data, columns=columns)


def stock_aging(filters: Filters, *, top: int | None = None) -> pd.DataFrame:
    """How much unsold stock does each agent hold, and for how long has it been unsold?

    Unused vouchers held by an agent, counted by days since they came into the agent's hands
    (made for the agent, or assigned later): columns agent, agent_name, then one per bucket
    (0–7, 8–30, 31–90, over 90 days) and total. Current stock, from the StockAge rollup (as
    of its last refresh, at most a few minutes old): the period does not apply,
    sites/agents/packages do. ``top``: only that many agents, the oldest stock first.
    """
    labels = [label for _d, label in AGE_BUCKETS] + [OLDEST]
    buckets = {
        f"b{i}": Coalesce(Sum("vouchers", filter=Q(bucket=i)), 0) for i in range(len(labels))
    }
    stock = filters.scoped(StockAge.objects.all(), agent="agent", package="package")
    # per agent id alone (a hash of 77,000 rows at 10 million vouchers, no join)
    held = {
        agent: [int(n) for n in counts]
        for agent, *counts in rows(stock.values_list("agent").annotate(**buckets).order_by())
    }

    def rank(counts: list[int]) -> tuple[int, int]:
        return counts[-1], sum(counts)  # the oldest stock, then the most

    if top is not None and len(held) > top:
        # names only for the top and whoever ties with the last of it (ties go by username)
        last = sorted(map(rank, held.values()), reverse=True)[top - 1]
        held = {agent: counts for agent, counts in held.items() if rank(counts) >= last}
    people = {
        pk: (username, f"{first} {last_name}".strip() or username)
        for pk, username, first, last_name in rows(
            User.objects.filter(pk__in=list(held)).values_list(
                "pk", "username", "first_name", "last_name"
            )
        )
    }
    order = sorted(held, key=lambda pk: people.get(pk, (str(pk),))[0])
    order.sort(key=lambda pk: rank(held[pk]), reverse=True)
    data = [[pk, people.get(pk, ("", str(pk)))[1], *held[pk], sum(held[pk])] for pk in order[:top]]
    return pd.DataFrame(data, columns=["agent", "agent_name", *labels, "total"])
