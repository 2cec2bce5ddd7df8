"""Expenses: record, approve or reject. (The reports, their schedules and report jobs are in
analytics.services: they read the rollups.)"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from erp.accounts.models import User
from erp.core import events
from erp.core.exceptions import NotAllowed
from erp.core.money import to_money
from erp.core.services import assign_fields, validated_save
from erp.core.uploads import check_upload
from erp.sites.selectors import scoped_site_ids

from .choices import ExpenseCategory, ExpenseStatus
from .events import EXPENSE_WAITING
from .models import Expense

EXPENSE_FIELDS = ("category", "site", "amount", "spent_on", "payee", "note", "receipt")
MAX_RECEIPT_BYTES = 10 * 1024 * 1024


def _check_expense_site_in_scope(actor: User, expense: Expense) -> None:
    """A user with a site scope records expenses of their sites only: neither another site's
    nor head office's, which they could not see afterwards (erp.finance.selectors)."""
    sites = scoped_site_ids(actor)
    if sites is not None and expense.site_id not in sites:
        raise ValidationError({"site": _("Select one of your sites.")})


@transaction.atomic
def record_expense(*, actor: User, **fields: Any) -> Expense:
    """Record an expense; small ones are approved at once, larger ones wait for another
    person (EXPENSE_APPROVAL_THRESHOLD)."""
    if not actor.has_perm("finance.add_expense"):
        raise NotAllowed(_("You may not record expenses."))
    if fields.get("receipt"):
        # By content, not by name: HTML, SVG or a program named receipt.pdf is refused; the
        # stored name takes the content's extension.
        check_upload(fields["receipt"], field="receipt")
    expense = assign_fields(Expense(recorded_by=actor), fields, EXPENSE_FIELDS)
    _check_expense_site_in_scope(actor, expense)
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
    expense = validated_save(expense, actor=actor)
    if expense.status == ExpenseStatus.PENDING:
        _tell_approvers(expense, actor)
    return expense


@transaction.atomic
def record_repair_expense(*, technician: User, site, amount: Decimal, note: str) -> Expense:
    """The cost a technician enters in a repair log, as a Repairs expense of the site.

    Technicians do not record expenses otherwise, so this one always waits for Finance's
    approval, whatever its size: a repair log is not a way round the threshold."""
    expense = Expense(
        category=ExpenseCategory.REPAIRS,
        site=site,
        amount=to_money(amount),
        spent_on=timezone.localdate(),
        payee=technician.get_full_name() or technician.username,
        note=note,
        recorded_by=technician,
        status=ExpenseStatus.PENDING,
    )
    if expense.amount <= 0:
        raise ValidationError({"amount": _("The amount must be more than zero.")})
    expense = validated_save(expense, actor=technician)
    _tell_approvers(expense, technician)
    return expense


def _tell_approvers(expense: Expense, recorder: User) -> None:
    """An expense waits for Finance: announce it (erp.finance.notices tells its approvers,
    never its recorder, after the commit)."""
    events.announce(
        EXPENSE_WAITING, key=str(expense.pk), expense=str(expense.pk), recorder=str(recorder.pk)
    )


@transaction.atomic
def decide_expense(*, actor: User, expense: Expense, approve: bool) -> Expense:
    expense = Expense.objects.select_for_update().get(pk=expense.pk)
    if not actor.has_perm("finance.change_expense"):
        raise NotAllowed(_("You may not approve expenses."))
    if expense.status != ExpenseStatus.PENDING:
        raise ValidationError(_("This expense was already decided."))
    if expense.recorded_by_id == actor.pk:
        raise NotAllowed(_("Someone else approves an expense you recorded."))
    expense.status = ExpenseStatus.APPROVED if approve else ExpenseStatus.REJECTED
    expense.decided_by = actor
    return validated_save(expense, actor=actor)
