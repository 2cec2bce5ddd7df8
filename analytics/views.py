"""The report pages (under Finance in the menu): reports on screen and as files, report jobs,
and the runs of scheduled exports."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from erp.finance.models import ExportRun, ReportJob, ScheduledExport

from . import exports, reports, services
from .forms import ReportForm
from .tasks import enqueue_report_job, run_scheduled_export


class ReportsView(LoginRequiredMixin, TemplateView):
    """Choose a report and a period; read it here, or take it away as Excel or PDF."""

    template_name = "finance/reports.html"
    viewset = None

    def get(self, request, *args, **kwargs):
        if not reports.reports_for(request.user):
            raise PermissionDenied
        form = ReportForm(request.GET or None, user=request.user)
        context = {
            "form": form,
            "report": None,
            # the person's latest files built in the background, to come back to
            "jobs": [
                (
                    job,
                    reports.REPORTS.get(job.report, (job.report, None))[0],
                    self.viewset.reverse("job", args=[job.pk]),
                )
                for job in ReportJob.objects.filter(requested_by=request.user)[:5]
            ],
        }
        if form.is_bound and form.is_valid():
            start, end = form.period()
            name, fmt = form.cleaned_data["report"], request.GET.get("format")
            try:
                # a big file goes to the worker before anything is built here: building
                # the report to find out took 10 s at 1,000 sites (bench/pages.py)
                if fmt in exports.FORMATS and not services.runs_inline(
                    report=name, fmt=fmt, actor=request.user, start=start, end=end
                ):
                    job, created = services.request_report_job(
                        actor=request.user, report=name, fmt=fmt, start=start, end=end
                    )
                    if created:
                        enqueue_report_job(job)
                    return HttpResponseRedirect(self.viewset.reverse("job", args=[job.pk]))
                report = reports.build_report(
                    name,
                    actor=request.user,
                    start=start,
                    end=end,
                    preview=fmt not in exports.FORMATS,
                )
            except ValidationError as exc:
                form.add_error(None, exc.messages)
            else:
                if fmt in exports.FORMATS:
                    content, content_type, filename = exports.render(report, fmt)
                    response = HttpResponse(content, content_type=content_type)
                    response["Content-Disposition"] = f'attachment; filename="{filename}"'
                    return response
                context["report"] = report
                context["sections"] = [self.section(s) for s in report.sections]
                context["query"] = request.GET.urlencode()
        return self.render_to_response(self.get_context_data(**context))

    @staticmethod
    def section(section) -> dict:
        """A report's table as the page shows it: a detail table longer than PREVIEW_ROWS
        only by its size (its rows are in the Excel file); any other table by its first
        PREVIEW_ROWS rows and the totals of all (5,000 sellers at 1,000 sites were a 0.7 MB
        page taking 2 s to format and render)."""
        long = (section.size or len(section.rows)) > reports.PREVIEW_ROWS
        return {
            **exports.render_rows(section, limit=reports.PREVIEW_ROWS),
            "long": long and section.detail,
            "cut": long and not section.detail,
        }


# How often the page of a running report job asks again (a meta refresh: no script under CSP).
JOB_POLL_SECONDS = 3


def _own_job(request, pk) -> ReportJob:
    """The job, to its requester and Super Admin; to anyone else it does not exist (404)."""
    job = get_object_or_404(ReportJob.objects.select_related("requested_by"), pk=pk)
    if not services.may_download(job, request.user):
        raise Http404
    return job


class ReportJobView(LoginRequiredMixin, TemplateView):
    """A report file the worker builds: its status, refreshing itself, then the download."""

    template_name = "finance/report_job.html"
    viewset = None

    def get(self, request, pk):
        job = _own_job(request, pk)
        context = {
            "job": job,
            "title": reports.REPORTS.get(job.report, (job.report, None))[0],
            "last_day": job.period_end - timedelta(days=1),
            "poll_seconds": JOB_POLL_SECONDS,
            "download_url": self.viewset.reverse("job_download", args=[job.pk]),
            "filename": job.file.name.rsplit("/", 1)[-1] if job.file else "",
            "back_url": self.viewset.reverse("index"),
        }
        return self.render_to_response(self.get_context_data(**context))


class ReportJobDownloadView(LoginRequiredMixin, View):
    viewset = None

    def get(self, request, pk):
        job = _own_job(request, pk)
        if not job.file:
            raise Http404
        name = job.file.name.rsplit("/", 1)[-1]
        return FileResponse(
            job.file.open("rb"),
            as_attachment=True,
            filename=name,
            content_type=exports.FORMATS[job.format],
        )


class RunNowView(LoginRequiredMixin, PermissionRequiredMixin, View):
    """Run a schedule for the period that just ended, now (by the worker)."""

    permission_required = "finance.change_scheduledexport"
    viewset = None

    def post(self, request, pk):
        schedule = get_object_or_404(ScheduledExport, pk=pk)
        transaction.on_commit(lambda: run_scheduled_export.delay(str(schedule.pk)))
        messages.success(request, _("The export is on its way; its run appears below."))
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
