"""Cross-app reads for the home page: each role's workbench.

The home page is made of tiles, each a figure and a link to the page where that work is done.
A user sees the tiles of every role they hold (once each), and every figure is limited to what
they may see: each tile reads through its app's ``*_visible_to`` selectors.

Cheap at any size: today's sales are an indexed range on ``sold_at``; batches, faults, routers
and clients are read by indexed status or date ranges; the overdue remittances read the
analytics rollups; nothing counts a whole large table.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils import timezone

from analytics.agents import overdue_remittances
from erp.clients.selectors import access_ending
from erp.finance.selectors import pending_expenses
from erp.maintenance.selectors import faults_in_queue, faults_past_sla, faults_to_repair
from erp.sales.selectors import (
    sales_by_payment_method,
    sales_in_windows,
    stock_left,
)
from erp.sales.services import agent_balance
from erp.sites.selectors import routers_down
from erp.vouchers.selectors import batch_counts

SUPER_ADMIN = "Super Admin"

# Which tiles each role's workbench shows, in order; keyed by role (group) name, the values of
# erp.accounts.roles.Role (erp.core imports no domain app at load time).
ROLE_TILES: dict[str, tuple[str, ...]] = {
    SUPER_ADMIN: (
        "revenue-today",
        "routers-down",
        "faults-past-sla",
        "batches-to-approve",
        "expenses-to-approve",
    ),
    "Finance": (
        "sales-today",
        "expenses-to-approve",
        "batches-to-approve",
        "remittances-overdue",
    ),
    "Technical": ("faults-to-repair", "fault-queue", "routers-down"),
    "Marketing": ("access-ending",),
    "Sales": ("batches-in-progress", "stock", "sales-today"),
    "Agent": ("sales-today", "stock", "balance-owed"),
}

ACCESS_ENDING_DAYS = 7
BATCHES_IN_PROGRESS = ("approved", "generating", "pushing", "waiting")


def local_midnight(day: dt.date) -> dt.datetime:
    """The start of a local day (settings.TIME_ZONE), aware."""
    return dt.datetime.combine(day, dt.time.min, tzinfo=timezone.get_current_timezone())


def tiles_for(user: Any) -> list[str]:
    """The tiles of every role the user holds, each once, in the order of ROLE_TILES."""
    roles = set(user.role_names)
    if user.sees_all_sites:
        roles.add(SUPER_ADMIN)
    keys: list[str] = []
    for role, tiles in ROLE_TILES.items():
        if role in roles:
            keys.extend(key for key in tiles if key not in keys)
    return keys


def workbench(user: Any, *, now: dt.datetime | None = None) -> list[dict[str, Any]]:
    """The user's tiles: [{"key": ..., figures ...}], a tile the user may not read left out."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    context = {"now": now, "today": today}
    tiles = []
    for key in tiles_for(user):
        figures = _READERS[key](user, context)
        if figures is not None:
            tiles.append({"key": key, **figures})
    return tiles


# --- one reader per tile: (user, context) -> figures, or None when the user may not see them ---
def _sales_today(user, context) -> dict | None:
    if not user.has_perm("sales.view_sale"):
        return None
    start = local_midnight(context["today"])
    end = local_midnight(context["today"] + dt.timedelta(days=1))
    by_method = sales_by_payment_method(user, start=start, end=end)
    return {
        "own": user.is_agent,
        "count": sum(row["count"] for row in by_method),
        "amount": sum((row["amount"] for row in by_method), Decimal("0.00")),
        "by_method": by_method,
        "day": context["today"],
    }


def _revenue_today(user, context) -> dict | None:
    """Today's sales so far against the same weekday a week ago up to the same time of day:
    [midnight, now) against [that midnight, that day at the same clock time)."""
    if not user.has_perm("sales.view_sale"):
        return None
    now, today = context["now"], context["today"]
    last_day = today - dt.timedelta(days=7)
    clock = timezone.localtime(now).time()
    last_end = dt.datetime.combine(last_day, clock, tzinfo=timezone.get_current_timezone())
    figures = sales_in_windows(
        user,
        {
            "today": (local_midnight(today), now),
            "last_week": (local_midnight(last_day), last_end),
        },
    )
    amount, before = figures["today"]["amount"], figures["last_week"]["amount"]
    change = None
    if before > 0:
        change = ((amount - before) * 100 / before).quantize(Decimal("0.1"))
    return {
        "count": figures["today"]["count"],
        "amount": amount,
        "last_week_count": figures["last_week"]["count"],
        "last_week_amount": before,
        "change_percent": change,
        "last_week_day": last_day,
        "until": clock,
        "day": today,
    }


def _stock(user, context) -> dict | None:
    if not user.has_perm("vouchers.view_voucher"):
        return None
    rows = stock_left(user)
    return {
        "own": user.is_agent,
        "rows": rows,
        "total": sum(row["count"] for row in rows),
        "per_site": len({row["site"] for row in rows}) > 1,
    }


def _balance_owed(user, context) -> dict | None:
    if not user.is_agent:
        return None
    return {
        "amount": agent_balance(user),
        "month_start": context["today"].replace(day=1),
        "today": context["today"],
    }


def _remittances_overdue(user, context) -> dict | None:
    return overdue_remittances(user, now=context["now"], days=settings.REMITTANCE_OVERDUE_DAYS)


def _expenses_to_approve(user, context) -> dict | None:
    if not user.has_perm("finance.view_expense"):
        return None
    return pending_expenses(user)


def _batches_to_approve(user, context) -> dict | None:
    if not user.has_perm("vouchers.change_voucherbatch"):
        return None
    return {"count": batch_counts(user, ["requested"])["requested"]}


def _batches_in_progress(user, context) -> dict | None:
    if not user.has_perm("vouchers.view_voucherbatch"):
        return None
    counts = batch_counts(user, ["requested", *BATCHES_IN_PROGRESS, "failed"])
    return {
        "waiting": counts["requested"],
        "in_progress": sum(counts[status] for status in BATCHES_IN_PROGRESS),
        "failed": counts["failed"],
    }


def _faults_to_repair(user, context) -> dict | None:
    if not user.has_perm("maintenance.change_fault"):
        return None
    return {**faults_to_repair(user, now=context["now"]), "now": context["now"]}


def _fault_queue(user, context) -> dict | None:
    if not user.has_perm("maintenance.change_fault"):
        return None
    return faults_in_queue(user, now=context["now"])


def _faults_past_sla(user, context) -> dict | None:
    if not user.has_perm("maintenance.view_fault"):
        return None
    return faults_past_sla(user, now=context["now"])


def _routers_down(user, context) -> dict | None:
    if not user.has_perm("sites.view_router"):
        return None
    return {**routers_down(user), "now": context["now"]}


def _access_ending(user, context) -> dict | None:
    if not user.has_perm("clients.view_client"):
        return None
    within = dt.timedelta(days=ACCESS_ENDING_DAYS)
    return {**access_ending(user, now=context["now"], within=within), "days": ACCESS_ENDING_DAYS}


_READERS: dict[str, Callable[[Any, dict], dict | None]] = {
    "sales-today": _sales_today,
    "revenue-today": _revenue_today,
    "stock": _stock,
    "balance-owed": _balance_owed,
    "remittances-overdue": _remittances_overdue,
    "expenses-to-approve": _expenses_to_approve,
    "batches-to-approve": _batches_to_approve,
    "batches-in-progress": _batches_in_progress,
    "faults-to-repair": _faults_to_repair,
    "fault-queue": _fault_queue,
    "faults-past-sla": _faults_past_sla,
    "routers-down": _routers_down,
    "access-ending": _access_ending,
}
