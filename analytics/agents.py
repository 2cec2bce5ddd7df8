"""Agents: commission earned, cash owed to the office, and voucher stock ageing unsold."""

from __future__ import annotations

import datetime as dt
from uuid import UUID

import pandas as pd
from django.db.models import Case, Count, IntegerField, Q, Sum, Value, When
from django.utils import timezone

from erp.accounts.models import User
from erp.core.money import to_money
from erp.sales.models import Remittance
from erp.vouchers.choices import VoucherStatus
from erp.vouchers.models import Voucher

from .filters import Filters
from .models import AgentDaily

AGE_BUCKETS = ((7, "0–7 days"), (30, "8–30 days"), (90, "31–90 days"))
OLDEST = "over 90 days"


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=timezone.get_current_timezone())


def _name(user: User) -> str:
    return user.get_full_name() or user.username


def agent_figures(filters: Filters) -> pd.DataFrame:
    """What did each agent sell and earn in the period, and what do they owe at its end?

    The same figures as erp.sales.services.statement(agent, start, end) with start and end at
    local midnight: sales_count, sales_amount, refunds_amount, commission (net of reversals),
    collected, remitted, and balance_owed counting everything before the end. Agents are the
    sellers with sales at the chosen sites (or the chosen agents); sorted by balance owed.
    """
    lo, hi = _midnight(filters.start), _midnight(filters.end)
    to_date = filters.scoped(AgentDaily.objects.filter(day__lt=filters.end), agent="seller")
    fields = {
        "n": "sales_count",
        "amount": "sales_amount",
        "commission": "commission",
        "refunds": "refunds_amount",
        "reversed": "commission_reversed",
    }
    sums = {f"t_{k}": Sum(f) for k, f in fields.items()}
    in_period = {f"p_{k}": Sum(f, filter=Q(day__gte=filters.start)) for k, f in fields.items()}
    seller_ids = set(to_date.values_list("seller", flat=True).distinct())
    if filters.agents:
        seller_ids |= {UUID(str(a)) for a in filters.agents}
    rows = {
        r["seller"]: r
        for r in AgentDaily.objects.filter(day__lt=filters.end, seller__in=seller_ids)
        .values("seller")
        .annotate(**sums, **in_period)
        .order_by()
    }
    remitted = {
        r["agent"]: r
        for r in Remittance.objects.filter(received_at__lt=hi, agent__in=seller_ids)
        .values("agent")
        .annotate(total=Sum("amount"), period=Sum("amount", filter=Q(received_at__gte=lo)))
        .order_by()
    }
    users = {u.pk: u for u in User.objects.filter(pk__in=seller_ids)}
    data = []
    for pk in seller_ids:
        r = rows.get(pk, {})
        m = remitted.get(pk, {})

        def money(key, r=r):
            return to_money(r.get(key) or 0)

        sales_amount, refunds = money("p_amount"), money("p_refunds")
        balance = (
            money("t_amount")
            - money("t_refunds")
            - (money("t_commission") - money("t_reversed"))
            - to_money(m.get("total") or 0)
        )
        data.append(
            {
                "agent": pk,
                "agent_name": _name(users[pk]) if pk in users else str(pk),
                "sales_count": int(r.get("p_n") or 0),
                "sales_amount": sales_amount,
                "refunds_amount": refunds,
                "commission": money("p_commission") - money("p_reversed"),
                "collected": sales_amount - refunds,
                "remitted": to_money(m.get("period") or 0),
                "balance_owed": balance,
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


def stock_aging(filters: Filters, *, now: dt.datetime | None = None) -> pd.DataFrame:
    """How much unsold stock does each agent hold, and for how long has it been unsold?

    Unused vouchers assigned to an agent, counted by age since the voucher was made: columns
    agent, agent_name, then one per bucket (0–7, 8–30, 31–90, over 90 days) and total.
    Current stock: the period does not apply, sites/agents/packages do.
    """
    now = now or timezone.now()
    whens = [
        When(created_at__gte=now - dt.timedelta(days=days), then=Value(i))
        for i, (days, _label) in enumerate(AGE_BUCKETS)
    ]
    stock = filters.scoped(
        Voucher.objects.filter(status=VoucherStatus.UNUSED, agent__isnull=False),
        agent="agent",
        package="package",
    )
    rows = (
        stock.annotate(
            bucket=Case(*whens, default=Value(len(AGE_BUCKETS)), output_field=IntegerField())
        )
        .values("agent", "bucket")
        .annotate(n=Count("pk"))
        .order_by()
    )
    labels = [label for _d, label in AGE_BUCKETS] + [OLDEST]
    table: dict[int, dict[str, int]] = {}
    for row in rows:
        table.setdefault(row["agent"], dict.fromkeys(labels, 0))[labels[row["bucket"]]] = row["n"]
    users = {u.pk: u for u in User.objects.filter(pk__in=table)}
    data = [
        {"agent": pk, "agent_name": _name(users[pk]), **counts, "total": sum(counts.values())}
        for pk, counts in table.items()
    ]
    frame = pd.DataFrame(data, columns=["agent", "agent_name", *labels, "total"])
    return frame.sort_values([OLDEST, "total"], ascending=False, ignore_index=True)
