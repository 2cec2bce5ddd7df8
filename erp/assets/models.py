"""Equipment the business owns (routers, access points, switches, UPS, cable …), where each
piece is, and every movement of it.

An asset's ``status`` and ``site`` change only through ``erp.assets.services`` (which writes an
``AssetMovement`` row for each change); everything else is edited as a record.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from erp.core import formats
from erp.core.models import BaseModel
from erp.core.money import MoneyField
from erp.core.scoping import AgentRows, RowScope
from erp.core.texts import ReaderLongTextField
from erp.core.validators import normalize_mac

from .choices import AssetCondition, AssetStatus, ImportStatus, MovementKind


def normalize_serial(value: str) -> str:
    """Serials are compared without case or surrounding spaces: 'ab12 ' and 'AB12' are one."""
    return " ".join((value or "").split()).upper()


class AssetType(BaseModel):
    """A kind of equipment. Seeded with router, access point, switch, UPS, cable and other;
    staff may add more."""

    name = models.CharField(_("name"), max_length=60, unique=True)
    code = models.SlugField(_("code"), max_length=30, unique=True)
    has_mac = models.BooleanField(
        _("has a MAC address"), default=False, help_text=_("Network equipment has a MAC address.")
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("asset type")
        verbose_name_plural = _("asset types")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Asset(BaseModel):
    """One piece of equipment, known by its type and serial number."""

    asset_type = models.ForeignKey(
        AssetType, verbose_name=_("type"), on_delete=models.PROTECT, related_name="assets"
    )
    serial_number = models.CharField(_("serial number"), max_length=80)
    model = models.CharField(_("model"), max_length=80, blank=True)
    vendor = models.CharField(_("vendor"), max_length=80, blank=True)
    mac_address = models.CharField(_("MAC address"), max_length=17, blank=True)
    purchase_date = models.DateField(_("purchase date"), null=True, blank=True)
    purchase_cost = MoneyField(_("purchase cost"), null=True, blank=True)
    supplier = models.CharField(_("supplier"), max_length=120, blank=True)
    warranty_end = models.DateField(_("warranty end"), null=True, blank=True, db_index=True)
    condition = models.CharField(
        _("condition"), max_length=8, choices=AssetCondition.choices, default=AssetCondition.NEW
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=AssetStatus.choices,
        default=AssetStatus.IN_STOCK,
        editable=False,
    )
    site = models.ForeignKey(
        "sites.Site",
        verbose_name=_("current site"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="assets",
    )
    location_note = models.CharField(
        _("location note"),
        max_length=200,
        blank=True,
        help_text=_("Where exactly: 'mast, east side', 'store shelf 3'."),
    )
    router = models.OneToOneField(
        "sites.Router",
        verbose_name=_("router record"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="asset",
        help_text=_("The router record this equipment is, if it is one."),
    )
    notes = models.TextField(_("notes"), blank=True)
    history = HistoricalRecords()

    row_scope = RowScope(
        agents_see=AgentRows.NONE, permission="assets.view_asset", unsited_to_scoped=True
    )

    class Meta:
        verbose_name = _("asset")
        verbose_name_plural = _("assets")
        ordering = ["asset_type__name", "serial_number"]
        permissions = [
            ("move_asset", _("Can move assets (assign, move, return, repair, retire)")),
            ("view_asset_value", _("Can see asset costs and inventory value")),
            ("print_asset_labels", _("Can print asset labels")),
            ("import_assets", _("Can import assets from CSV or Excel")),
        ]
        indexes = [
            models.Index(fields=["status", "site"], name="asset_status_site_idx"),
            models.Index(fields=["site", "asset_type"], name="asset_site_type_idx"),
            models.Index(fields=["condition"], name="asset_condition_idx"),
            models.Index(fields=["serial_number"], name="asset_serial_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["asset_type", "serial_number"],
                name="asset_unique_serial_per_type",
                violation_error_message=_("An asset of this type with this serial already exists."),
            ),
            models.CheckConstraint(
                condition=~Q(status=AssetStatus.DEPLOYED) | Q(site__isnull=False),
                name="asset_deployed_has_site",
                violation_error_message=_("A deployed asset is at a site."),
            ),
            models.CheckConstraint(
                condition=~Q(status__in=[AssetStatus.IN_STOCK, AssetStatus.RETIRED])
                | Q(site__isnull=True),
                name="asset_stock_has_no_site",
                violation_error_message=_("An asset in stock or retired is at no site."),
            ),
            models.CheckConstraint(
                condition=Q(purchase_cost__isnull=True) | Q(purchase_cost__gte=0),
                name="asset_cost_not_negative",
                violation_error_message=_("The purchase cost cannot be negative."),
            ),
        ]

    def __str__(self) -> str:
        type_name = self.asset_type.name if self.asset_type_id else ""
        return f"{type_name} {self.serial_number}".strip()

    def clean(self) -> None:
        self.serial_number = normalize_serial(self.serial_number)
        if not self.serial_number:
            raise ValidationError({"serial_number": _("Give the serial number.")})
        if self.mac_address:
            try:
                self.mac_address = normalize_mac(self.mac_address)
            except ValidationError as exc:
                raise ValidationError({"mac_address": exc.messages}) from None

    def get_absolute_url(self) -> str:
        return reverse("assets:asset:detail", args=[self.pk])


class AssetMovement(BaseModel):
    """One change of an asset's place or status: from, to, who, when, why. Never edited."""

    asset = models.ForeignKey(
        Asset, verbose_name=_("asset"), on_delete=models.PROTECT, related_name="movements"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=MovementKind.choices)
    from_site = models.ForeignKey(
        "sites.Site",
        verbose_name=_("from site"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    to_site = models.ForeignKey(
        "sites.Site",
        verbose_name=_("to site"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    from_status = models.CharField(
        _("from status"), max_length=10, choices=AssetStatus.choices, blank=True
    )
    to_status = models.CharField(_("to status"), max_length=10, choices=AssetStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    reason = ReaderLongTextField(_("reason"))
    history = HistoricalRecords()

    row_scope = RowScope(
        site="asset__site",
        agents_see=AgentRows.NONE,
        permission="assets.view_assetmovement",
        unsited_to_scoped=True,
    )

    class Meta:
        verbose_name = _("asset movement")
        verbose_name_plural = _("asset movements")
        ordering = ["-at", "-created_at"]
        indexes = [
            models.Index(fields=["asset", "-at"], name="assetmove_asset_at_idx"),
            models.Index(fields=["to_site", "-at"], name="assetmove_to_site_idx"),
            models.Index(fields=["from_site", "-at"], name="assetmove_from_site_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.asset} {self.get_kind_display()} {formats.date(self.at)}"


class AssetImport(BaseModel):
    """A large asset import (more rows than ``ASSET_IMPORT_INLINE_ROWS``), checked and then
    imported by a background job instead of in the upload's request.

    ``rows`` are the file's rows as read (bounded by ``importing``); ``result`` is every row's
    line, type, serial, site and errors once checked. The person who uploaded it sees it and
    confirms it; the import itself is all or nothing, as an inline one.
    """

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    file_name = models.CharField(_("file"), max_length=255)
    rows = models.JSONField(_("rows"), default=list)
    commit_requested = models.BooleanField(_("import confirmed"), default=False)
    status = models.CharField(
        _("status"), max_length=12, choices=ImportStatus.choices, default=ImportStatus.QUEUED
    )
    total = models.PositiveIntegerField(_("rows"), default=0)
    error_count = models.PositiveIntegerField(_("rows with errors"), default=0)
    result = models.JSONField(_("result"), default=list, blank=True)
    error = ReaderLongTextField(_("error"), blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    # The rows and the result are large and change as a whole: history keeps the rest.
    history = HistoricalRecords(excluded_fields=["rows", "result"])

    class Meta:
        verbose_name = _("asset import")
        verbose_name_plural = _("asset imports")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["actor", "-created_at"], name="assets_import_actor_idx")]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_status_display()})"

    @property
    def waiting(self) -> bool:
        return self.status in (ImportStatus.QUEUED, ImportStatus.RUNNING)
