"""Expenses (record, approve or reject) and profit per site."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from erp.accounts.models import User
from erp.core.money import to_money
from erp.core.services import assign_fields, validated_save

from .choices import ExpenseStatus
from .models import Expense

EXPENSE_FIELDS = ("category", "site", "amount", "spent_on", "payee", "note", "receipt")
MAX_RECEIPT_BYTES = 10 * 1024 * 1024


@transaction.atomic
def record_expense(*, actor: User, **fields: Any) -> Expense:
    """Record an expense; small ones are approved at once, larger ones wait for another
    person (EXPENSE_APPROVAL_THRESHOLD)."""
    if not actor.has_perm("finance.add_expense"):
        raise ValidationError(_("You may not record expenses."))
    expense = assign_fields(Expense(recorded_by=actor), fields, EXPENSE_FIELDS)
    if expense.amount is not None and to_money(expense.amount) <= 0:
        raise ValidationError({"amount": _("The amount must be more than zero.")})
    if expense.spent_on and expense.spent_on > timezone.localdate():
        raise ValidationError({"spent_on": _("An expense cannot be in the future.")})
    receipt = fields.get("receipt")
    if receipt and receipt.size > MAX_RECEIPT_BYTES:
        raise ValidationError({"receipt": _("A receipt file is at most 10 MB.")})
    small = expense.amount is not None and to_money(expense.amount) <= Decimal(
        settings.EXPENSE_APPROVAL_THRESHOLD
    )
    expense.status = ExpenseStatus.APPROVED if small else ExpenseStatus.PENDING
    return validated_save(expense, actor=actor)


@transaction.atomic
def decide_expense(*, actor: User, expense: Expense, approve: bool) -> Expense:
    expense = Expense.objects.select_for_update().get(pk=expense.pk)
    if not actor.has_perm("finance.change_expense"):
        raise ValidationError(_("You may not approve expenses."))
    if expense.status != ExpenseStatus.PENDING:
        raise ValidationError(_("This expense was already decided."))
    if expense.recorded_by_id == actor.pk:
        raise ValidationError(_("Someone else approves an expense you recorded."))
    expense.status = ExpenseStatus.APPROVED if approve else ExpenseStatus.REJECTED
    expense.decided_by = actor
    return validated_save(expense, actor=actor)


def profit_by_site(*, start: dt.date, end: dt.date) -> list[dict[str, Any]]:
    """Per site, for days start ≤ day < end: revenue − refunds − commission − expenses.

    Head-office expenses (no site) are their own line. Sums in the database.
    """
    from erp.sales.models import Refund, Sale
    from erp.sites.models import Site

    tz = timezone.get_current_timezone()
    lo = dt.datetime.combine(start, dt.time.min, tzinfo=tz)
    hi = dt.datetime.combine(end, dt.time.min, tzinfo=tz)

    def by_site(qs, site_field: str, value: str) -> dict:
        return {
            row[site_field]: to_money(row["total"] or 0)
            for row in qs.values(site_field).annotate(total=Sum(value))
        }

    sales = Sale.objects.filter(sold_at__gte=lo, sold_at__lt=hi)
    refunds = Refund.objects.filter(refunded_at__gte=lo, refunded_at__lt=hi)
    expenses = Expense.objects.filter(
        status=ExpenseStatus.APPROVED, spent_on__gte=start, spent_on__lt=end
    )
    revenue = by_site(sales, "site", "amount")
    commission = by_site(sales, "site", "commission")
    refunded = by_site(refunds, "sale__site", "amount")
    reversed_commission = by_site(refunds, "sale__site", "commission_reversed")
    spent = by_site(expenses, "site", "amount")
    sites = {
        s.pk: s
        for s in Site.objects.filter(pk__in=set(revenue) | set(refunded) | {k for k in spent if k})
    }
    rows = []
    for site_id in sorted(sites, key=lambda pk: sites[pk].name):
        rows.append(
            _profit_row(
                sites[site_id].name,
                revenue.get(site_id, 0),
                refunded.get(site_id, 0),
                commission.get(site_id, 0) - reversed_commission.get(site_id, 0),
                spent.get(site_id, 0),
                site_id=site_id,
            )
        )
    if spent.get(None):
        rows.append(_profit_row(_("Head office"), 0, 0, 0, spent[None], site_id=None))
    return rows


def _profit_row(name, revenue, refunds, commission, expenses, *, site_id) -> dict[str, Any]:
    revenue, refunds, commission, expenses = (
        to_money(v) for v in (revenue, refunds, commission, expenses)
    )
    return {
        "site": site_id,
        "name": name,
        "revenue": revenue,
        "refunds": refunds,
        "commission": commission,
        "expenses": expenses,
        "profit": revenue - refunds - commission - expenses,
    }
