"""The report schedules, their runs and report jobs over the API."""

from django.urls import reverse
from rest_framework import serializers

from erp.finance.models import ExportRun, ReportJob, ScheduledExport

from .reports import REPORTS


class ScheduledExportSerializer(serializers.ModelSerializer):
    report = serializers.ChoiceField(choices=list(REPORTS))

    class Meta:
        model = ScheduledExport
        fields = [
            "id",
            "report",
            "frequency",
            "format",
            "recipients",
            "is_active",
            "owner",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "owner", "created_at", "updated_at"]


class ExportRunSerializer(serializers.ModelSerializer):
    download = serializers.SerializerMethodField()

    class Meta:
        model = ExportRun
        fields = [
            "id",
            "schedule",
            "period_start",
            "period_end",
            "status",
            "sent_to",
            "sent_at",
            "error",
            "download",
            "created_at",
        ]

    def get_download(self, run) -> str | None:
        if not run.file:
            return None
        return reverse("api:exportrun-download", args=[run.pk])


class ReportJobSerializer(serializers.ModelSerializer):
    """A report file built by the worker: poll status_url until status is done (then take
    download_url) or failed."""

    status_url = serializers.SerializerMethodField()
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = ReportJob
        fields = [
            "id",
            "report",
            "format",
            "period_start",
            "period_end",
            "status",
            "created_at",
            "started_at",
            "finished_at",
            "status_url",
            "download_url",
        ]
        read_only_fields = fields

    def get_status_url(self, job) -> str:
        return self.context["request"].build_absolute_uri(reverse("api:report_job", args=[job.pk]))

    def get_download_url(self, job) -> str | None:
        if not job.file:
            return None
        return self.context["request"].build_absolute_uri(
            reverse("api:report_job_download", args=[job.pk])
        )
