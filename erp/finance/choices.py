from django.db import models
from django.utils.translation import gettext_lazy as _


class ExpenseCategory(models.TextChoices):
    BANDWIDTH = "bandwidth", _("Internet bandwidth")
    RENT = "rent", _("Rent")
    POWER = "power", _("Electricity and fuel")
    EQUIPMENT = "equipment", _("Equipment")
    REPAIRS = "repairs", _("Repairs")
    TRANSPORT = "transport", _("Transport")
    SALARIES = "salaries", _("Salaries")
    OTHER = "other", _("Other")


class ExpenseStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class ExportFrequency(models.TextChoices):
    """How often a scheduled export runs; each run covers the period that just ended."""

    DAILY = "daily", _("Daily (yesterday)")
    WEEKLY = "weekly", _("Weekly (last Monday to Sunday)")
    MONTHLY = "monthly", _("Monthly (last calendar month)")


class ExportFormat(models.TextChoices):
    XLSX = "xlsx", _("Excel")
    PDF = "pdf", _("PDF")


class ExportRunStatus(models.TextChoices):
    SENT = "sent", _("Sent")
    STORED = "stored", _("Stored, e-mail failed")
    FAILED = "failed", _("Failed")


class ReportJobStatus(models.TextChoices):
    """A report file built by the worker for the person who asked for it."""

    QUEUED = "queued", _("Waiting for the worker")
    RUNNING = "running", _("Being built")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")
