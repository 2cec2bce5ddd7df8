"""Finance pages: reports on screen and as files, expense decisions, export runs."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from erp.core.uploads import content_type_of

from . import exports, reports, services
from .forms import ReportForm
from .models import ExportRun, ScheduledExport
from .selectors import expenses_visible_to
from .tasks import run_scheduled_export


class ReportsView(LoginRequiredMixin, TemplateView):
    """Choose a report and a period; read it here, or take it away as Excel or PDF."""

    template_name = "finance/reports.html"

    def get(self, request, *args, **kwargs):
        if not reports.reports_for(request.user):
            raise PermissionDenied
        form = ReportForm(request.GET or None, user=request.user)
        context = {"form": form, "report": None}
        if form.is_bound and form.is_valid():
            start, end = form.period()
            try:
                report = reports.build_report(
                    form.cleaned_data["report"], actor=request.user, start=start, end=end
                )
            except ValidationError as exc:
                form.add_error(None, exc.messages)
            else:
                fmt = request.GET.get("format")
                if fmt in exports.FORMATS:
                    content, content_type, filename = exports.render(report, fmt)
                    response = HttpResponse(content, content_type=content_type)
                    response["Content-Disposition"] = f'attachment; filename="{filename}"'
                    return response
                context["report"] = report
                context["sections"] = [
                    {**exports.render_rows(s), "long": s.detail and len(s.rows) > 200}
                    for s in report.sections
                ]
                context["query"] = request.GET.urlencode()
        return self.render_to_response(self.get_context_data(**context))


class ExpenseDecideView(LoginRequiredMixin, PermissionRequiredMixin, View):
    permission_required = "finance.change_expense"
    viewset = None

    def post(self, request, pk):
        expense = get_object_or_404(expenses_visible_to(request.user), pk=pk)
        approve = request.POST.get("decision") == "approve"
        try:
            services.decide_expense(actor=request.user, expense=expense, approve=approve)
            messages.success(request, _("Approved.") if approve else _("Rejected."))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        return HttpResponseRedirect(self.viewset.reverse("detail", args=[expense.pk]))


class RunNowView(LoginRequiredMixin, PermissionRequiredMixin, View):
    """Run a schedule for the period that just ended, now (by the worker)."""

    permission_required = "finance.change_scheduledexport"
    viewset = None

    def post(self, request, pk):
        schedule = get_object_or_404(ScheduledExport, pk=pk)
        transaction.on_commit(lambda: run_scheduled_export.delay(str(schedule.pk)))
        messages.success(request, "The export is on its way; its run appears below.")
        return HttpResponseRedirect(self.viewset.reverse("detail", args=[schedule.pk]))


class RunDownloadView(LoginRequiredMixin, PermissionRequiredMixin, View):
    permission_required = "finance.view_exportrun"
    viewset = None

    def get(self, request, pk):
        run = get_object_or_404(ExportRun, pk=pk)
        if not run.file:
            raise Http404
        name = run.file.name.rsplit("/", 1)[-1]
        return FileResponse(run.file.open("rb"), as_attachment=True, filename=name)


class ExpenseReceiptView(LoginRequiredMixin, PermissionRequiredMixin, View):
    """An expense's receipt file, to those who may see the expense, always as a download with
    the content type of what it is (an uploaded file is never rendered as a page of ours)."""

    permission_required = "finance.view_expense"
    viewset = None

    def get(self, request, pk):
        expense = get_object_or_404(expenses_visible_to(request.user), pk=pk)
        if not expense.receipt:
            raise Http404
        handle = expense.receipt.open("rb")
        response = FileResponse(
            handle,
            as_attachment=True,
            filename=expense.receipt.name.rsplit("/", 1)[-1],
            content_type=content_type_of(handle),
        )
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
        return response
