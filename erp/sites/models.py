"""Hotspot sites and the MikroTik routers that serve them."""

from __future__ import annotations

import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from erp.core import crypto
from erp.core.models import BaseModel
from erp.core.scoping import RowScope
from erp.core.texts import ReaderTextField
from erp.core.validators import (
    latitude_validators,
    longitude_validators,
    port_validators,
    validate_host,
)

from .choices import API_PORT, RouterStatus, SiteStatus

site_code_validator = RegexValidator(
    r"^[A-Z0-9][A-Z0-9-]{1,19}$",
    _("Use 2 to 20 capital letters, digits or dashes, for example DAR-01."),
)


def default_site_language() -> str:
    """A new site speaks the installation's SITE_LANGUAGE (default Swahili)."""
    return settings.SITE_LANGUAGE


def default_site_time_zone() -> str:
    """A new site keeps the installation's TIME_ZONE (Africa/Dar_es_Salaam by default)."""
    return settings.TIME_ZONE


def time_zone_choices() -> list[tuple[str, str]]:
    """The IANA zones this machine knows (tzdata): read when a form is drawn, so a newer
    tzdata needs no migration."""
    return [(zone, zone.replace("_", " ")) for zone in sorted(zoneinfo.available_timezones())]


class Site(BaseModel):
    """A physical WiFi location: one or more routers, its agents and its manager."""

    name = models.CharField(_("name"), max_length=120)
    code = models.CharField(_("code"), max_length=20, unique=True, validators=[site_code_validator])
    latitude = models.DecimalField(
        _("latitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=latitude_validators,
    )
    longitude = models.DecimalField(
        _("longitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=longitude_validators,
    )
    address = models.TextField(_("address"), blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=SiteStatus.choices, default=SiteStatus.ACTIVE
    )
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("manager"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="managed_sites",
    )
    agents = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("agents"),
        blank=True,
        related_name="agent_sites",
    )
    notes = models.TextField(_("notes"), blank=True)
    # What a buyer is told on the receipt: the network to join and the page to open.
    wifi_name = models.CharField(
        _("WiFi name"), max_length=64, blank=True, help_text=_("The hotspot's network (SSID).")
    )
    login_page = models.CharField(
        _("login page"),
        max_length=200,
        blank=True,
        help_text=_(
            "The address a buyer opens to log in, e.g. hotspot.lan; empty: the one "
            "configured for all sites."
        ),
    )
    language = models.CharField(
        _("language"),
        max_length=2,
        choices=settings.LANGUAGES,
        default=default_site_language,
        help_text=_("A new client of this site gets this language for SMS and the portal."),
    )
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        choices=time_zone_choices,
        default=default_site_time_zone,
        help_text=_("Dates and times of this site (receipts, SMS, its portal) are shown in it."),
    )
    history = HistoricalRecords(m2m_fields=[agents])

    row_scope = RowScope(site="pk")

    class Meta:
        verbose_name = _("site")
        verbose_name_plural = _("sites")
        ordering = ["name"]
        indexes = [
            models.Index(fields=["name"], name="site_name_idx"),
            models.Index(fields=["status", "name"], name="site_status_name_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(latitude__isnull=True, longitude__isnull=True)
                | Q(latitude__gte=-90, latitude__lte=90, longitude__gte=-180, longitude__lte=180),
                name="site_gps_valid",
                violation_error_message=_("Give both latitude and longitude, within range."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def clean(self) -> None:
        if (self.latitude is None) != (self.longitude is None):
            raise ValidationError(
                {
                    "longitude" if self.longitude is None else "latitude": _(
                        "Give both latitude and longitude, or neither."
                    )
                }
            )


class Router(BaseModel):
    """A MikroTik router reached over the RouterOS API (8728, or 8729 with TLS).

    The API password is kept only encrypted (Fernet); it is left out of the history table so
    that a key rotation has one place to re-encrypt and old ciphertexts don't linger.
    """

    site = models.ForeignKey(
        Site, verbose_name=_("site"), on_delete=models.PROTECT, related_name="routers"
    )
    name = models.CharField(_("name"), max_length=80)
    host = models.CharField(_("host"), max_length=253, validators=[validate_host])
    api_port = models.PositiveIntegerField(
        _("API port"), default=API_PORT, validators=port_validators
    )
    use_tls = models.BooleanField(
        _("use TLS"), default=False, help_text=_("RouterOS api-ssl, usually port 8729.")
    )
    tls_verify = models.BooleanField(
        _("verify TLS certificate"),
        default=False,
        help_text=_("Routers usually have self-signed certificates; verify only a real one."),
    )
    legacy_login = models.BooleanField(
        _("legacy login"),
        default=False,
        help_text=_("Challenge login of RouterOS before 6.43; leave off for newer routers."),
    )
    username = models.CharField(_("API username"), max_length=64)
    password_encrypted = models.TextField(_("API password (encrypted)"), editable=False)
    hotspot_server = models.CharField(
        _("hotspot server"),
        max_length=64,
        blank=True,
        default="all",
        help_text=_("Hotspot server name on the router; 'all' serves every one."),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=RouterStatus.choices, default=RouterStatus.UNKNOWN
    )
    last_seen_at = models.DateTimeField(_("last seen"), null=True, blank=True)
    status_changed_at = models.DateTimeField(_("status since"), null=True, blank=True)
    last_error = ReaderTextField(_("last error"), max_length=500, blank=True)
    # Polling updates status fields with queryset.update(): no history row a minute per router.
    # Status transitions are kept as RouterEvents (erp.mikrotik).
    history = HistoricalRecords(excluded_fields=["password_encrypted"])

    row_scope = RowScope()

    class Meta:
        verbose_name = _("router")
        verbose_name_plural = _("routers")
        permissions = [("operate_router", _("Can operate routers (test, sync, drift, kick)"))]
        ordering = ["site__name", "name"]
        indexes = [
            models.Index(fields=["status"], name="router_status_idx"),
            models.Index(fields=["site", "name"], name="router_site_name_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["site", "name"],
                name="router_unique_name_per_site",
                violation_error_message=_("This site already has a router with this name."),
            ),
            models.CheckConstraint(
                condition=Q(api_port__gte=1, api_port__lte=65535),
                name="router_api_port_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} @ {self.site.code}" if self.site_id else self.name

    def set_password(self, raw_password: str) -> None:
        self.password_encrypted = crypto.encrypt(raw_password)

    def get_password(self) -> str:
        """The decrypted API password: for the RouterOS client only, never for display."""
        return crypto.decrypt(self.password_encrypted)

    @property
    def has_password(self) -> bool:
        return bool(self.password_encrypted)
