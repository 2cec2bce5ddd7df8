"""OpenWISP per site: its settings (credentials encrypted), the devices discovered there, each
discovery run, the matches a person must decide, and the devices' health changes."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from erp.core import crypto, formats
from erp.core.models import BaseModel
from erp.core.scoping import AgentRows, RowScope
from erp.core.texts import ReaderTextField

from .choices import ConflictStatus, HealthEventKind, HealthStatus, RunStatus

_SCOPE = RowScope(agents_see=AgentRows.NONE, permission="openwisp.view_openwispdevice")


class OpenWispSettings(BaseModel):
    """How a site's access points are reached in OpenWISP. Off by default: the ERP works
    fully without it. The password is Fernet-encrypted like router passwords and never shown."""

    site = models.OneToOneField(
        "sites.Site",
        verbose_name=_("site"),
        on_delete=models.CASCADE,
        related_name="openwisp_settings",
    )
    enabled = models.BooleanField(_("enabled"), default=False)
    base_url = models.URLField(
        _("OpenWISP address"),
        max_length=200,
        help_text=_("For example https://openwisp.example.com"),
    )
    username = models.CharField(_("API username"), max_length=150)
    password_encrypted = models.TextField(editable=False, blank=True)
    timeout_seconds = models.PositiveSmallIntegerField(
        _("timeout (seconds)"),
        default=10,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
    )
    configured_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("configured by"),
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        help_text=_("Discovery files assets with this person's permissions."),
    )
    last_error = ReaderTextField(_("last error"), max_length=500, blank=True)
    last_error_at = models.DateTimeField(_("last error at"), null=True, blank=True)
    last_health_at = models.DateTimeField(_("last health check"), null=True, blank=True)
    history = HistoricalRecords(excluded_fields=["password_encrypted"])

    row_scope = RowScope(agents_see=AgentRows.NONE, permission="openwisp.view_openwispsettings")

    class Meta:
        verbose_name = _("OpenWISP settings")
        verbose_name_plural = _("OpenWISP settings")
        ordering = ["site__name"]
        indexes = [models.Index(fields=["enabled"], name="owisp_settings_enabled_idx")]

    def __str__(self) -> str:
        return f"OpenWISP @ {self.site}"

    def set_password(self, raw: str) -> None:
        self.password_encrypted = crypto.encrypt(raw)

    def get_password(self) -> str:
        """For the adapter only; never for display."""
        return crypto.decrypt(self.password_encrypted) if self.password_encrypted else ""

    @property
    def has_password(self) -> bool:
        return bool(self.password_encrypted)


class OpenWispDevice(BaseModel):
    """A device OpenWISP's controller lists for a site, and the asset it is. Its ``key``
    (OpenWISP's device secret) is never read into the ERP."""

    site = models.ForeignKey(
        "sites.Site", verbose_name=_("site"), on_delete=models.PROTECT, related_name="+"
    )
    openwisp_id = models.UUIDField(_("OpenWISP id"))
    name = models.CharField(_("name"), max_length=64)
    mac_address = models.CharField(_("MAC address"), max_length=17)
    hardware_id = models.CharField(
        _("hardware id (serial)"),
        max_length=80,
        blank=True,
        help_text=_("OpenWISP's hardware_id, where the server enables it."),
    )
    model = models.CharField(_("model"), max_length=128, blank=True)
    os = models.CharField(_("operating system"), max_length=128, blank=True)
    system = models.CharField(_("system"), max_length=128, blank=True)
    last_ip = models.CharField(_("last IP"), max_length=45, blank=True)
    management_ip = models.CharField(_("management IP"), max_length=45, blank=True)
    config_status = models.CharField(_("configuration status"), max_length=32, blank=True)
    remote_created = models.DateTimeField(_("created in OpenWISP"), null=True, blank=True)
    remote_modified = models.DateTimeField(_("modified in OpenWISP"), null=True, blank=True)
    asset = models.OneToOneField(
        "assets.Asset",
        verbose_name=_("asset"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="openwisp_device",
    )
    health = models.CharField(
        _("health"), max_length=12, choices=HealthStatus.choices, default=HealthStatus.UNKNOWN
    )
    is_healthy = models.BooleanField(_("metrics healthy"), null=True, blank=True)
    health_changed_at = models.DateTimeField(_("health since"), null=True, blank=True)
    in_outage = models.BooleanField(
        _("in an outage"), default=False, help_text=_("Went critical and not ok since.")
    )
    last_seen_at = models.DateTimeField(_("last listed"), null=True, blank=True)
    history = HistoricalRecords(excluded_fields=["last_seen_at", "health", "is_healthy"])

    row_scope = _SCOPE

    class Meta:
        verbose_name = _("OpenWISP device")
        verbose_name_plural = _("OpenWISP devices")
        ordering = ["site__name", "name"]
        indexes = [
            models.Index(fields=["site", "health"], name="owisp_device_site_health_idx"),
            models.Index(fields=["mac_address"], name="owisp_device_mac_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["site", "openwisp_id"], name="owisp_device_unique_per_site"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.mac_address})"


class DiscoveryRun(BaseModel):
    """One discovery of a site's OpenWISP devices, with its figures."""

    site = models.ForeignKey(
        "sites.Site", verbose_name=_("site"), on_delete=models.PROTECT, related_name="+"
    )
    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=8, choices=RunStatus.choices, default=RunStatus.RUNNING
    )
    found = models.PositiveIntegerField(_("found"), default=0)
    new = models.PositiveIntegerField(_("new assets"), default=0)
    matched = models.PositiveIntegerField(_("matched to existing assets"), default=0)
    known = models.PositiveIntegerField(_("already known"), default=0)
    conflicts = models.PositiveIntegerField(_("conflicts"), default=0)
    seconds = models.FloatField(_("seconds waiting on OpenWISP"), default=0)
    error = ReaderTextField(_("error"), max_length=500, blank=True)
    history = HistoricalRecords()

    row_scope = _SCOPE

    class Meta:
        verbose_name = _("OpenWISP discovery run")
        verbose_name_plural = _("OpenWISP discovery runs")
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["site", "-started_at"], name="owisp_run_site_idx")]

    def __str__(self) -> str:
        return f"{self.site} {formats.date_time(self.started_at)} ({self.status})"


class MatchConflict(BaseModel):
    """A discovered device that matches more than one asset (or an asset another device
    already is): listed for a person to decide, never guessed."""

    site = models.ForeignKey(
        "sites.Site", verbose_name=_("site"), on_delete=models.PROTECT, related_name="+"
    )
    device = models.ForeignKey(
        OpenWispDevice,
        verbose_name=_("device"),
        on_delete=models.CASCADE,
        related_name="conflicts",
    )
    run = models.ForeignKey(
        DiscoveryRun,
        verbose_name=_("found by run"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    reason = ReaderTextField(_("reason"), max_length=300)
    candidates = models.ManyToManyField(
        "assets.Asset", verbose_name=_("candidate assets"), related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=8, choices=ConflictStatus.choices, default=ConflictStatus.OPEN
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    history = HistoricalRecords()

    row_scope = _SCOPE

    class Meta:
        verbose_name = _("OpenWISP match to decide")
        verbose_name_plural = _("OpenWISP matches to decide")
        ordering = ["-created_at"]
        permissions = [("decide_match", _("Can decide which asset an OpenWISP device is"))]
        constraints = [
            models.UniqueConstraint(
                fields=["device"],
                condition=Q(status=ConflictStatus.OPEN),
                name="owisp_one_open_conflict_per_device",
            )
        ]

    def __str__(self) -> str:
        return f"{self.device}: {self.reason}"


class DeviceHealthEvent(BaseModel):
    """A device went critical (down) or came back ok (up): what faults are opened from."""

    site = models.ForeignKey(
        "sites.Site", verbose_name=_("site"), on_delete=models.PROTECT, related_name="+"
    )
    device = models.ForeignKey(
        OpenWispDevice,
        verbose_name=_("device"),
        on_delete=models.CASCADE,
        related_name="health_events",
    )
    kind = models.CharField(_("kind"), max_length=4, choices=HealthEventKind.choices)
    status = models.CharField(_("status"), max_length=12, choices=HealthStatus.choices)
    at = models.DateTimeField(_("at"))
    message = ReaderTextField(_("message"), max_length=300, blank=True)
    history = HistoricalRecords()

    row_scope = _SCOPE

    class Meta:
        verbose_name = _("OpenWISP health event")
        verbose_name_plural = _("OpenWISP health events")
        ordering = ["-at"]
        indexes = [models.Index(fields=["device", "-at"], name="owisp_event_device_idx")]

    def __str__(self) -> str:
        return f"{self.device} {self.kind} {formats.date_time(self.at)}"
