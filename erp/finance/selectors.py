"""Reads of finance records, scoped to what the asking user may see."""

from __future__ import annotations

import datetime as dt
from typing import Any
from uuid import UUID

from django.db.models import Count, QuerySet, Sum

from analytics import finance as analytics_finance
from analytics import rollups
from analytics.filters import Filters
from erp.accounts.models import User
from erp.core.money import to_money
from erp.core.scoping import restrict
from erp.sites.selectors import scoped_site_ids

from .choices import ExpenseStatus
from .models import Expense

# A site id no site has: a scope with no sites left matches nothing (an empty tuple in the
# analytics filters would mean "every site").
NO_SITE = "00000000-0000-0000-0000-000000000000"


def expenses_visible_to(user: User) -> QuerySet[Expense]:
    """Expenses for those who may view them: every one (head office too) for a user who sees
    every site; only their sites' expenses, not head office's, for a user with a site scope —
    the same rule as the Finance dashboard, so lists, pages and reports agree."""
    return restrict(Expense.objects.select_related("site", "recorded_by", "decided_by"), user)


def pending_expenses(user: User) -> dict:
    """The expenses waiting for a decision: count and amount."""
    row = (
        expenses_visible_to(user)
        .select_related(None)
        .filter(status=ExpenseStatus.PENDING)
        .aggregate(count=Count("pk"), amount=Sum("amount"))
    )
    return {"count": row["count"], "amount": to_money(row["amount"] or 0)}


def analytics_sites(user: User | None) -> tuple:
    """The `sites` of an analytics Filters for this user: () for every site (and head office),
    else the user's sites (never empty, so a scope with no sites sees nothing)."""
    if user is None:
        return ()
    sites = scoped_site_ids(user)
    if sites is None:
        return ()
    return tuple(str(pk) for pk in sites) or (NO_SITE,)


def profit_by_site(
    *, start: dt.date, end: dt.date, actor: User | None = None
) -> list[dict[str, Any]]:
    """Per site, for days start ≤ day < end: revenue − refunds − commission − expenses;
    head-office expenses (no site) are their own line, last. An actor with a site scope gets
    only their sites, without head office (as on the dashboard); no actor: every site.

    The rows of analytics.finance.profit_by_site, the function the Finance dashboard draws,
    read after the rollups are brought up to this moment (rollups.refresh: the days touched
    since its last run, well under a second at 10 million sales) — so the API, the Excel and
    PDF exports and the dashboard give the same figures, and an export is never minutes old.
    """
    rollups.refresh(wait=False)
    frame = analytics_finance.profit_by_site(
        Filters(start=start, end=end, sites=analytics_sites(actor))
    )
    return [
        {**row, "site": UUID(row["site"]) if row["site"] else None}
        for row in frame.to_dict("records")
    ]
