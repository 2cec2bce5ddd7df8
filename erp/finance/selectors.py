"""Reads of expenses: the people who may view expenses see them all (as the Expenses list)."""

from __future__ import annotations

from django.db.models import Count, QuerySet, Sum

from erp.accounts.models import User
from erp.core.money import to_money

from .choices import ExpenseStatus
from .models import Expense


def expenses_visible_to(user: User) -> QuerySet[Expense]:
    """Every expense for those who may view expenses (head office and every site); none for
    the others."""
    if not user.is_authenticated or not user.has_perm("finance.view_expense"):
        return Expense.objects.none()
    return Expense.objects.select_related("site", "recorded_by", "decided_by")


def pending_expenses(user: User) -> dict:
    """The expenses waiting for a decision: count and amount."""
    row = (
        expenses_visible_to(user)
        .select_related(None)
        .filter(status=ExpenseStatus.PENDING)
        .aggregate(count=Count("pk"), amount=Sum("amount"))
    )
    return {"count": row["count"], "amount": to_money(row["amount"] or 0)}
