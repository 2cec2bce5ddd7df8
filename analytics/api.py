"""The reports over the API: profit per site, any report as JSON, Excel or PDF (big files as
report jobs), and the scheduled exports with their runs. Mounted at the URLs they always had
(erp.urls)."""

from __future__ import annotations

from decimal import Decimal

from django.http import FileResponse, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from erp.core.api import ServiceModelViewSet
from erp.core.money import money_strings
from erp.finance.models import ExportRun, ReportJob, ScheduledExport

from . import exports, reports, services
from .serializers import ExportRunSerializer, ReportJobSerializer, ScheduledExportSerializer
from .tasks import enqueue_report_job


class ScheduledExportApiViewSet(ServiceModelViewSet):
    """Reports e-mailed daily, weekly or monthly. Switched off (is_active), not deleted: their
    runs stay downloadable."""

    serializer_class = ScheduledExportSerializer
    filterset_fields = ["report", "frequency", "is_active"]
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def get_queryset(self):
        return ScheduledExport.objects.select_related("owner")

    def create_object(self, data):
        return services.save_schedule(actor=self.request.user, **data)

    def update_object(self, instance, data):
        return services.save_schedule(actor=self.request.user, schedule=instance, **data)


class ExportRunApiViewSet(viewsets.ReadOnlyModelViewSet):
    """What each scheduled export sent, and its file."""

    serializer_class = ExportRunSerializer
    filterset_fields = ["schedule", "status"]

    def get_queryset(self):
        return ExportRun.objects.select_related("schedule")

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        run = self.get_object()
        if not run.file:
            raise NotFound(_("This run has no file."))
        name = run.file.name.rsplit("/", 1)[-1]
        return FileResponse(run.file.open("rb"), as_attachment=True, filename=name)


def _period(request):
    """start ≤ day < end from the query, checked by the reports' one rule for periods."""
    start = parse_date(request.query_params.get("start") or "")
    end = parse_date(request.query_params.get("end") or "")
    return reports.check_period(start, end)


class ProfitAPIView(APIView):
    """Profit per site for days start ≤ day < end: revenue − refunds − commission − expenses."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[
            OpenApiParameter("start", OpenApiTypes.DATE, required=True),
            OpenApiParameter("end", OpenApiTypes.DATE, required=True),
        ],
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request):
        if not request.user.has_perm("finance.view_expense"):
            raise PermissionDenied()
        start, end = _period(request)
        rows = reports.profit_by_site(start=start, end=end, actor=request.user)
        total = sum((r["profit"] for r in rows), Decimal("0"))
        body = {"start": start, "end": end, "sites": rows, "total_profit": total}
        return Response(money_strings(body))


class ReportExportAPIView(APIView):
    """A finance report for days start ≤ day < end as JSON, Excel or PDF: sales, statements,
    remittances, expenses or profit. The same figures whichever format; an agent gets only
    the agent's own.

    JSON and small files come back at once (200). A file estimated at more rows than
    services.INLINE_MAX_ROWS (a PDF of more than 30 sales) is built by the worker: 202 with
    the job (Location: its status URL); poll it until `status` is `done`,
    then GET its `download_url`. The same request again while the job waits or runs answers
    202 with the same job."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[
            OpenApiParameter("report", str, OpenApiParameter.PATH, enum=list(reports.REPORTS)),
            OpenApiParameter("fmt", str, OpenApiParameter.PATH, enum=["json", *exports.FORMATS]),
            OpenApiParameter("start", OpenApiTypes.DATE, required=True),
            OpenApiParameter("end", OpenApiTypes.DATE, required=True, description="exclusive"),
            OpenApiParameter(
                "Location",
                str,
                OpenApiParameter.HEADER,
                response=[202],
                description="The job's status URL (202 only).",
            ),
        ],
        responses={
            (200, "application/json"): OpenApiTypes.OBJECT,
            (200, exports.XLSX): OpenApiTypes.BINARY,
            (200, exports.PDF): OpenApiTypes.BINARY,
            (202, "application/json"): OpenApiResponse(
                ReportJobSerializer,
                description="A big file (estimated rows over the inline limit): built by "
                "the worker. Location: the job's status URL.",
            ),
        },
    )
    def get(self, request, report, fmt):
        if report not in reports.REPORTS or fmt not in {"json", *exports.FORMATS}:
            raise NotFound()
        start, end = _period(request)
        if not services.runs_inline(
            report=report, fmt=fmt, actor=request.user, start=start, end=end
        ):
            job, created = services.request_report_job(
                actor=request.user, report=report, fmt=fmt, start=start, end=end
            )
            if created:
                enqueue_report_job(job)
            body = ReportJobSerializer(job, context={"request": request}).data
            return Response(
                body, status=status.HTTP_202_ACCEPTED, headers={"Location": body["status_url"]}
            )
        built = reports.build_report(report, actor=request.user, start=start, end=end)
        if fmt == "json":
            return Response(money_strings(report_json(built)))
        content, content_type, filename = exports.render(built, fmt)
        response = HttpResponse(content, content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response


def _own_job(request, job_id) -> ReportJob:
    """A report job, to its requester and Super Admin only (404 to anyone else)."""
    job = get_object_or_404(ReportJob, pk=job_id)
    if not services.may_download(job, request.user):
        raise NotFound()
    return job


class ReportJobAPIView(APIView):
    """A report file being built by the worker: its status and, once done, its download URL."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=ReportJobSerializer)
    def get(self, request, job_id):
        job = _own_job(request, job_id)
        return Response(ReportJobSerializer(job, context={"request": request}).data)


class ReportJobDownloadAPIView(APIView):
    """The file of a finished report job (404 until it is done)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        responses={
            (200, exports.XLSX): OpenApiTypes.BINARY,
            (200, exports.PDF): OpenApiTypes.BINARY,
        }
    )
    def get(self, request, job_id):
        job = _own_job(request, job_id)
        if not job.file:
            raise NotFound(_("The file is not ready."))
        name = job.file.name.rsplit("/", 1)[-1]
        return FileResponse(
            job.file.open("rb"),
            as_attachment=True,
            filename=name,
            content_type=exports.FORMATS[job.format],
        )


def report_json(report: reports.Report) -> dict:
    return {
        "report": report.key,
        "title": str(report.title),
        "start": report.start,
        "end": report.end,
        "sections": [
            {
                "title": str(section.title),
                "columns": [
                    {"title": str(c.title), "kind": c.kind, "total": c.total}
                    for c in section.columns
                ],
                "rows": section.rows,
                "totals": section.totals(),
            }
            for section in report.sections
        ],
    }
