"""Faults, their repair logs, and the downtime they cause (the source of uptime and MTTR)."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import FileExtensionValidator, MinValueValidator
from django.db import models, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from erp.core import formats
from erp.core.models import BaseModel
from erp.core.money import MoneyField
from erp.core.scoping import RowScope
from erp.core.texts import ReaderLongTextField

from .choices import FaultSource, FaultStatus, Severity


class Fault(BaseModel):
    """Something broken at a site, from report to verified repair.

    A fault opened by monitoring (a router down) is unique per router while open: the
    partial unique constraint makes "one fault per outage" hold even when two polls race.
    """

    site = models.ForeignKey(
        "sites.Site", verbose_name=_("site"), on_delete=models.PROTECT, related_name="faults"
    )
    router = models.ForeignKey(
        "sites.Router",
        verbose_name=_("router"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="faults",
    )
    monitored_asset = models.ForeignKey(
        "assets.Asset",
        verbose_name=_("monitored equipment"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="monitoring_faults",
        help_text=_("The access point monitoring (OpenWISP) saw go critical."),
    )
    # The fault's human number ("F-00042"), given in order when it is first saved (the
    # counter row is locked, so two reports at once never share one): what the reporter's SMS,
    # the pages and a phone call name.
    number = models.PositiveIntegerField(_("number"), unique=True, null=True, editable=False)
    description = ReaderLongTextField(_("description"), max_length=4000)
    severity = models.CharField(_("severity"), max_length=8, choices=Severity.choices)
    status = models.CharField(
        _("status"), max_length=8, choices=FaultStatus.choices, default=FaultStatus.REPORTED
    )
    source = models.CharField(
        _("source"), max_length=10, choices=FaultSource.choices, default=FaultSource.MANUAL
    )
    service_down = models.BooleanField(
        _("service is down"),
        default=False,
        help_text=_("The site's internet service is down: the fault counts as downtime."),
    )
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reported by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty when monitoring opened the fault."),
    )
    reported_at = models.DateTimeField(_("reported at"), default=timezone.now)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("technician"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_faults",
    )
    due_at = models.DateTimeField(_("SLA due at"))
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    restored_at = models.DateTimeField(
        _("service restored at"),
        null=True,
        blank=True,
        help_text=_("When the service came back (router up, or the repair that was accepted)."),
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("closed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    send_back_reason = models.TextField(_("last send-back reason"), blank=True)
    assets = models.ManyToManyField(
        "assets.Asset", verbose_name=_("affected assets"), blank=True, related_name="faults"
    )
    history = HistoricalRecords(m2m_fields=[assets])

    row_scope = RowScope()

    class Meta:
        verbose_name = _("fault")
        verbose_name_plural = _("faults")
        ordering = ["-reported_at"]
        permissions = [("triage_fault", _("Can triage faults and assign technicians (lead)"))]
        indexes = [
            models.Index(fields=["site", "-reported_at"], name="fault_site_reported_idx"),
            models.Index(fields=["status", "due_at"], name="fault_status_due_idx"),
            models.Index(fields=["severity", "status"], name="fault_severity_status_idx"),
            models.Index(fields=["assigned_to", "status"], name="fault_assignee_status_idx"),
            models.Index(fields=["closed_at"], name="fault_closed_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["router"],
                condition=Q(source=FaultSource.MONITORING) & ~Q(status=FaultStatus.CLOSED),
                name="fault_one_open_monitoring_per_router",
            ),
            models.UniqueConstraint(
                fields=["monitored_asset"],
                condition=Q(source=FaultSource.MONITORING) & ~Q(status=FaultStatus.CLOSED),
                name="fault_one_open_monitoring_per_asset",
            ),
            models.CheckConstraint(
                condition=Q(closed_at__isnull=True) | Q(closed_at__gte=F("reported_at")),
                name="fault_closed_after_reported",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.site} — {self.get_severity_display()}: {self.description[:60]}"

    @property
    def reference(self) -> str:
        """The human number as people say it: F-00042."""
        return f"F-{self.number:05d}" if self.number else str(self.pk)[:8].upper()

    def save(self, *args, **kwargs):
        if self.number is None:
            with transaction.atomic():
                counter, _created = FaultCounter.objects.select_for_update().get_or_create(pk=1)
                counter.last += 1
                counter.save(update_fields=["last"])
                self.number = counter.last
                super().save(*args, **kwargs)
            return
        super().save(*args, **kwargs)

    @property
    def is_open(self) -> bool:
        return self.status != FaultStatus.CLOSED

    def sla_left(self, now=None):
        """Time left before the SLA deadline (negative when overdue); None once closed."""
        if not self.is_open:
            return None
        return self.due_at - (now or timezone.now())


class FaultCounter(models.Model):
    """The last fault number given (one row, locked while the next is taken)."""

    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("fault counter")
        verbose_name_plural = _("fault counters")

    def __str__(self) -> str:
        return str(self.last)


class FaultPhoto(BaseModel):
    """A photo of the fault taken in the field."""

    fault = models.ForeignKey(
        Fault, verbose_name=_("fault"), on_delete=models.CASCADE, related_name="photos"
    )
    image = models.ImageField(
        _("photo"),
        upload_to="faults/%Y/%m/",
        validators=[FileExtensionValidator(["jpg", "jpeg", "png", "webp"])],
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("fault photo")
        verbose_name_plural = _("fault photos")
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.image.name


class RepairLog(BaseModel):
    """What a technician found and did. A fault is closed only once it has one."""

    fault = models.ForeignKey(
        Fault, verbose_name=_("fault"), on_delete=models.PROTECT, related_name="repair_logs"
    )
    technician = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("technician"),
        on_delete=models.PROTECT,
        related_name="repair_logs",
    )
    diagnosis = models.TextField(_("diagnosis"), max_length=4000)
    actions = models.TextField(_("actions taken"), max_length=4000)
    parts_used = models.TextField(_("parts used"), max_length=2000, blank=True)
    minutes_spent = models.PositiveIntegerField(
        _("time spent (minutes)"), validators=[MinValueValidator(1)]
    )
    cost = MoneyField(_("cost"), default=0, validators=[MinValueValidator(0)])
    expense = models.ForeignKey(
        "finance.Expense",
        verbose_name=_("expense"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    parts_installed = models.ManyToManyField(
        "assets.Asset",
        verbose_name=_("parts installed"),
        blank=True,
        related_name="installed_by_repairs",
        help_text=_("Assets put in at the site (moved there, deployed)."),
    )
    parts_removed = models.ManyToManyField(
        "assets.Asset",
        verbose_name=_("parts removed"),
        blank=True,
        related_name="removed_by_repairs",
        help_text=_("Assets taken out of the site (sent to repair as faulty)."),
    )
    history = HistoricalRecords(m2m_fields=[parts_installed, parts_removed])

    row_scope = RowScope(site="fault__site")

    class Meta:
        verbose_name = _("repair log")
        verbose_name_plural = _("repair logs")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["fault", "created_at"], name="repairlog_fault_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(cost__gte=0), name="repairlog_cost_not_negative"),
            models.CheckConstraint(condition=Q(minutes_spent__gte=1), name="repairlog_minutes"),
        ]

    def __str__(self) -> str:
        return f"{self.fault}: {self.diagnosis[:60]}"


class Downtime(BaseModel):
    """A span when a site's service was down: from the router down event (or the fault's
    report) to the service being restored. Open while ``ended_at`` is empty."""

    site = models.ForeignKey(
        "sites.Site", verbose_name=_("site"), on_delete=models.PROTECT, related_name="downtimes"
    )
    router = models.ForeignKey(
        "sites.Router",
        verbose_name=_("router"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="downtimes",
    )
    fault = models.ForeignKey(
        Fault,
        verbose_name=_("fault"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="downtimes",
    )
    asset = models.ForeignKey(
        "assets.Asset",
        verbose_name=_("equipment"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="downtimes",
        help_text=_("The access point that was down (OpenWISP monitoring)."),
    )
    started_at = models.DateTimeField(_("started at"))
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    history = HistoricalRecords()

    row_scope = RowScope()

    class Meta:
        verbose_name = _("downtime")
        verbose_name_plural = _("downtimes")
        ordering = ["-started_at"]
        indexes = [
            models.Index(fields=["site", "started_at"], name="downtime_site_start_idx"),
            models.Index(fields=["site", "ended_at"], name="downtime_site_end_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["router"],
                condition=Q(ended_at__isnull=True, router__isnull=False),
                name="downtime_one_open_per_router",
            ),
            models.UniqueConstraint(
                fields=["asset"],
                condition=Q(ended_at__isnull=True, asset__isnull=False),
                name="downtime_one_open_per_asset",
            ),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=F("started_at")),
                name="downtime_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        end = formats.date_time(self.ended_at) if self.ended_at else _("now")
        return f"{self.site}: {formats.date_time(self.started_at)} – {end}"
