"""UI for expenses and scheduled exports (reports have their own page in finance.views)."""

from __future__ import annotations

import datetime as dt

from django.urls import path
from django.utils.translation import gettext_lazy as _
from viewflow.urls import AppMenuMixin, Viewset

from erp.core.viewsets import RecordViewset

from . import services, views
from .choices import ExpenseStatus
from .forms import ExpenseForm, ScheduledExportForm
from .models import Expense, ScheduledExport
from .reports import reports_for
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


class ScheduledExportViewset(RecordViewset):
    """Reports e-mailed every day, week or month; every run is kept for download."""

    model = ScheduledExport
    icon = "schedule_send"
    title = _("Scheduled exports")
    form_class = ScheduledExportForm
    list_columns = ("report", "frequency", "format", "is_active", "owner", "updated_at")
    list_filter_fields = ("frequency", "is_active")
    detail_template_name = "finance/schedule_detail.html"
    detail_hidden_fields = ("periodic_task",)

    def get_queryset(self, request):
        if not request.user.has_perm("finance.view_scheduledexport"):
            return ScheduledExport.objects.none()
        return ScheduledExport.objects.select_related("owner")

    def limit_form(self, request, form) -> None:
        form.fields["report"].choices = reports_for(request.user)

    def create_object(self, request, form):
        return services.save_schedule(actor=request.user, **form.cleaned_data)

    def update_object(self, request, obj, form):
        return services.save_schedule(actor=request.user, schedule=obj, **form.cleaned_data)

    def get_detail_context(self, request, schedule) -> dict:
        runs = [
            {
                "run": run,
                "last_day": run.period_end - dt.timedelta(days=1),
                "url": self.reverse("download", args=[run.pk]) if run.file else "",
            }
            for run in schedule.runs.order_by("-period_start")[:50]
        ]
        return {
            "runs": runs,
            "run_now_url": self.reverse("run_now", args=[schedule.pk]),
            "can_run": request.user.has_perm("finance.change_scheduledexport"),
        }

    @property
    def run_now_path(self):
        return path("<uuid:pk>/run/", views.RunNowView.as_view(viewset=self), name="run_now")

    @property
    def download_path(self):
        return path(
            "runs/<uuid:pk>/download/",
            views.RunDownloadView.as_view(viewset=self),
            name="download",
        )


class ReportsViewset(AppMenuMixin, Viewset):
    """The reports page: sales, statements, remittances, expenses, profit, as each role may."""

    title = _("Reports")
    icon = "summarize"

    def has_view_permission(self, user, obj=None):
        return user.is_authenticated and bool(reports_for(user))

    @property
    def index_path(self):
        return path("", views.ReportsView.as_view(viewset=self), name="index")

    @property
    def job_path(self):
        return path("jobs/<uuid:pk>/", views.ReportJobView.as_view(viewset=self), name="job")

    @property
    def job_download_path(self):
        return path(
            "jobs/<uuid:pk>/download/",
            views.ReportJobDownloadView.as_view(viewset=self),
            name="job_download",
        )
