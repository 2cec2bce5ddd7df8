"""Profit per site and expenses, from the rollups and the (small) expense table."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
from django.db.models import Count, Sum
from django.utils.translation import gettext as _

from erp.core.money import to_money
from erp.finance.choices import ExpenseStatus
from erp.finance.models import Expense
from erp.sites.models import Site

from .fetch import rows
from .filters import Filters
from .sales import site_totals

PROFIT_COLUMNS = ["site", "name", "revenue", "refunds", "commission", "expenses", "profit"]


def profit_by_site(filters: Filters) -> pd.DataFrame:
    """Which sites make money? Per site, for the period: revenue − refunds − commission (net of
    reversals) − approved expenses = profit. Head-office expenses (no site) are their own line
    when no site is chosen (site ""). The same rows, to the cent, as
    analytics.reports.profit_by_site (the API and the Excel export); sorted by site name,
    head office last."""
    sales = {
        site: {
            "name": r["site_name"],
            "revenue": r["sales_amount"],
            "refunds": r["refunds_amount"],
            "commission": r["commission"],
            "reversed": r["commission_reversed"],
        }
        for site, r in site_totals(replace(filters, packages=(), agents=())).items()
    }
    expenses = filters.scoped(
        filters.days(Expense.objects.filter(status=ExpenseStatus.APPROVED), "spent_on")
    )
    spent = dict(rows(expenses.values_list("site").annotate(total=Sum("amount")).order_by()))
    unnamed = [site for site in spent if site is not None and site not in sales]
    names = dict(rows(Site.objects.filter(pk__in=unnamed).values_list("pk", "name")))
    data = []
    for site in set(sales) | {k for k in spent if k is not None}:
        s = sales.get(site, {})
        revenue, refunds = to_money(s.get("revenue") or 0), to_money(s.get("refunds") or 0)
        commission = to_money(s.get("commission") or 0) - to_money(s.get("reversed") or 0)
        cost = to_money(spent.get(site) or 0)
        data.append(
            [
                str(site),
                s.get("name") or names.get(site),
                revenue,
                refunds,
                commission,
                cost,
                revenue - refunds - commission - cost,
            ]
        )
    data.sort(key=lambda r: r[1])
    if not filters.sites and spent.get(None):
        cost = to_money(spent[None])
        zero = to_money(0)
        data.append(["", _("Head office"), zero, zero, zero, cost, -cost])
    return pd.DataFrame(data, columns=PROFIT_COLUMNS)


def expenses_by_category(filters: Filters) -> pd.DataFrame:
    """Where does the money go? Approved expenses in the period per category: category,
    category_name, expenses (how many), amount; largest first. The expenses report's
    by-category section is these rows."""
    expenses = filters.scoped(
        filters.days(Expense.objects.filter(status=ExpenseStatus.APPROVED), "spent_on")
    )
    labels = dict(Expense._meta.get_field("category").choices)
    grouped = expenses.values("category").annotate(n=Count("pk"), total=Sum("amount")).order_by()
    data = [
        [r["category"], str(labels.get(r["category"], r["category"])), r["n"], to_money(r["total"])]
        for r in grouped
    ]
    frame = pd.DataFrame(data, columns=["category", "category_name", "expenses", "amount"])
    return frame.sort_values(["amount", "category"], ascending=[False, True], ignore_index=True)
