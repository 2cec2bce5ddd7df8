"""Telling Finance's approvers that an expense waits for them (issue 23).

Recording an expense only *announces* ``finance.expense_waiting`` inside its transaction, as the
workflows announce a task waiting (workflows/notices.py): the approvers are told after the
commit, and a failed delivery is retried by the events' beat instead of failing the expense.
Told are the people who must act: holders of ``finance.change_expense`` who see the expense's
site, never its recorder (four eyes), and the Super Admin only when nobody else can approve it.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from erp.accounts.models import User
from erp.core.formats import money
from erp.notifications.services import hand_over, holders_of, unless_nobody_else

from .choices import ExpenseStatus
from .models import Expense

APPROVE_PERMISSION = "finance.change_expense"


def approvers(expense: Expense, *, recorder: User | None) -> list[User]:
    """Who must approve ``expense``: its site's approvers (a head-office expense: all of
    them) other than the recorder; the Super Admin only when nobody else may."""
    users = holders_of(APPROVE_PERMISSION, exclude=[recorder], site=expense.site_id)
    return unless_nobody_else(users)


def on_expense_waiting(payload: dict[str, Any]) -> None:
    """After the commit: tell the approvers (skipped once the expense is decided)."""
    expense = Expense.objects.select_related("site").filter(pk=payload["expense"]).first()
    if expense is None or expense.status != ExpenseStatus.PENDING:
        return
    recorder = User.objects.filter(pk=payload.get("recorder")).first()

    def text() -> str:  # written in each approver's language, the amount as they write it
        return _("Expense waiting for your approval: %(amount)s, %(payee)s%(site)s") % {
            "amount": money(expense.amount, currency=True),
            "payee": expense.payee,
            "site": f" @ {expense.site}" if expense.site_id else "",
        }

    hand_over(
        users=approvers(expense, recorder=recorder),
        text=text,
        url=f"/finance/expense/{expense.pk}/detail/",
        actor=recorder,
    )
