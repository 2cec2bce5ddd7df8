"""Reads of finance records, scoped to what the asking user may see."""

from __future__ import annotations

from django.db.models import Count, QuerySet, Sum

from erp.accounts.models import User
from erp.core.money import to_money
from erp.core.scoping import restrict

from .choices import ExpenseStatus
from .models import Expense


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
