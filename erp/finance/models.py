"""Expenses of a site or of the head office; approved ones count against profit."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from erp.core.models import BaseModel
from erp.core.money import MoneyField

from .choices import ExpenseCategory, ExpenseStatus


class Expense(BaseModel):
    """Money spent. Above EXPENSE_APPROVAL_THRESHOLD it waits for another person's approval;
    never deleted (a mistake is rejected, with its history)."""

    category = models.CharField(_("category"), max_length=12, choices=ExpenseCategory.choices)
    site = models.ForeignKey(
        "sites.Site",
        verbose_name=_("site"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="expenses",
        help_text=_("Empty for the head office."),
    )
    amount = MoneyField(_("amount"))
    spent_on = models.DateField(_("date"), db_index=True)
    payee = models.CharField(_("paid to"), max_length=120)
    note = models.TextField(_("note"), blank=True)
    receipt = models.FileField(_("receipt file"), upload_to="expenses/%Y/%m/", blank=True)
    status = models.CharField(
        _("status"), max_length=8, choices=ExpenseStatus.choices, default=ExpenseStatus.PENDING
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("expense")
        verbose_name_plural = _("expenses")
        ordering = ["-spent_on", "-created_at"]
        indexes = [models.Index(fields=["site", "spent_on"], name="expense_site_day_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="expense_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display()} {self.amount} {self.spent_on}"
