"""UI for expenses (the reports page and the scheduled exports are analytics.viewsets)."""

from __future__ import annotations

from django.urls import path
from django.utils.translation import gettext_lazy as _

from erp.core.viewsets import RecordViewset

from . import services, views
from .choices import ExpenseStatus
from .forms import ExpenseForm
from .models import Expense
from .selectors import expenses_visible_to


class ExpenseViewset(RecordViewset):
    """Expenses are recorded and approved or rejected, never edited or deleted."""

    model = Expense
    icon = "request_quote"
    title = _("Expenses")
    form_class = ExpenseForm
    list_columns = ("spent_on", "site", "category", "payee", "amount", "status", "recorded_by")
    list_filter_fields = ("status", "category", "site")
    list_search_fields = ("payee",)
    detail_template_name = "finance/expense_detail.html"

    def get_queryset(self, request):
        return expenses_visible_to(request.user)

    def has_change_permission(self, user, obj=None):
        return False

    def create_object(self, request, form):
        return services.record_expense(actor=request.user, **form.cleaned_data)

    def get_detail_context(self, request, expense) -> dict:
        return {
            "can_decide": expense.status == ExpenseStatus.PENDING
            and request.user.has_perm("finance.change_expense")
            and expense.recorded_by_id != request.user.pk,
            "decide_url": self.reverse("decide", args=[expense.pk]),
            "receipt_url": self.reverse("receipt", args=[expense.pk]) if expense.receipt else "",
        }

    @property
    def receipt_path(self):
        return path(
            "<uuid:pk>/receipt/", views.ExpenseReceiptView.as_view(viewset=self), name="receipt"
        )

    @property
    def decide_path(self):
        return path(
            "<uuid:pk>/decide/", views.ExpenseDecideView.as_view(viewset=self), name="decide"
        )
