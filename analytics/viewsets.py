"""UI of the reports, in the Finance menu (erp.frontend): the reports page with its report
jobs, and the scheduled exports with their runs."""

from __future__ import annotations

import datetime as dt

from django.urls import path
from django.utils.translation import gettext_lazy as _
from viewflow.urls import AppMenuMixin, Viewset

from erp.core.viewsets import RecordViewset
from erp.finance.models import ScheduledExport

from . import services, views
from .forms import ScheduledExportForm
from .reports import reports_for


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
