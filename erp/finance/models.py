"""Expenses of a site or of the head office; approved ones count against profit."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from erp.core import formats
from erp.core.models import BaseModel
from erp.core.money import MoneyField
from erp.core.scoping import RowScope
from erp.core.texts import ReaderTextField

from .choices import (
    ExpenseCategory,
    ExpenseStatus,
    ExportFormat,
    ExportFrequency,
    ExportRunStatus,
    ReportJobStatus,
)


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

    row_scope = RowScope(permission="finance.view_expense")

    class Meta:
        verbose_name = _("expense")
        verbose_name_plural = _("expenses")
        ordering = ["-spent_on", "-created_at"]
        indexes = [models.Index(fields=["site", "spent_on"], name="expense_site_day_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="expense_positive"),
        ]

    def __str__(self) -> str:
        amount, day = formats.money(self.amount), formats.date(self.spent_on)
        return f"{self.get_category_display()} {amount} {day}"


class ScheduledExport(BaseModel):
    """A report Finance wants by e-mail every day, week or month. Beat runs it through its own
    PeriodicTask (created by the service, so the timing stays editable in the admin); it runs
    with its owner's permissions at the time of the run."""

    report = models.CharField(_("report"), max_length=20)
    frequency = models.CharField(_("frequency"), max_length=8, choices=ExportFrequency.choices)
    format = models.CharField(
        _("format"), max_length=4, choices=ExportFormat.choices, default=ExportFormat.XLSX
    )
    recipients = models.TextField(_("recipients"), help_text=_("E-mail addresses, one a line."))
    is_active = models.BooleanField(_("active"), default=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="scheduled_exports",
    )
    periodic_task = models.OneToOneField(
        "django_celery_beat.PeriodicTask",
        verbose_name=_("beat task"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("scheduled export")
        verbose_name_plural = _("scheduled exports")
        ordering = ["report", "frequency"]

    def __str__(self) -> str:
        return f"{self.report} {self.get_frequency_display()} ({self.get_format_display()})"

    @property
    def recipient_list(self) -> list[str]:
        return [line.strip() for line in self.recipients.splitlines() if line.strip()]


def export_upload_to(run: ExportRun, filename: str) -> str:
    return f"exports/{run.period_start:%Y/%m}/{filename}"


class ExportRun(BaseModel):
    """One run of a scheduled export: the period it covered, the stored file, whom it was sent
    to. One per schedule and period, so a beat that fires twice sends nothing twice."""

    schedule = models.ForeignKey(
        ScheduledExport,
        verbose_name=_("scheduled export"),
        on_delete=models.PROTECT,
        related_name="runs",
    )
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end (exclusive)"))
    status = models.CharField(_("status"), max_length=8, choices=ExportRunStatus.choices)
    file = models.FileField(_("file"), upload_to=export_upload_to, blank=True)
    sent_to = models.TextField(_("sent to"), blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    error = ReaderTextField(_("error"), max_length=500, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("export run")
        verbose_name_plural = _("export runs")
        ordering = ["-period_start", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["schedule", "period_start"], name="export_run_one_per_period"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.schedule} {self.period_start}"


def report_job_upload_to(job: ReportJob, filename: str) -> str:
    return f"report-jobs/{job.created_at:%Y/%m}/{job.pk}/{filename}"


class ReportJob(BaseModel):
    """A report file asked for from the reports page or the API, too big to build inside the
    request: the worker builds it with the requester's permissions; only the requester (and
    Super Admin) may download it. One running job per person, report, format and period: the
    same request again while it runs gets the same job.

    Not an ExportRun: a run belongs to a schedule (one per schedule and period) and is e-mailed;
    a job belongs to a person and is downloaded."""

    report = models.CharField(_("report"), max_length=20)
    format = models.CharField(_("format"), max_length=4, choices=ExportFormat.choices)
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end (exclusive)"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.PROTECT,
        related_name="report_jobs",
    )
    status = models.CharField(
        _("status"), max_length=8, choices=ReportJobStatus.choices, default=ReportJobStatus.QUEUED
    )
    file = models.FileField(_("file"), upload_to=report_job_upload_to, blank=True)
    error = ReaderTextField(_("error"), max_length=500, blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    # who asked for which figures, and when, stays on record like every business row
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("report job")
        verbose_name_plural = _("report jobs")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["requested_by", "report", "format", "period_start", "period_end"],
                condition=Q(status__in=["queued", "running"]),
                name="report_job_one_running",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.report} {self.period_start} {self.format} ({self.get_status_display()})"

    @property
    def is_finished(self) -> bool:
        return self.status in {ReportJobStatus.DONE, ReportJobStatus.FAILED}
