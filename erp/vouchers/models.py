"""Packages (what is sold), batches (how vouchers come to exist), vouchers and their events."""

from __future__ import annotations

from django.conf import settings
from django.contrib.admin import display as admin_display
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from erp.core.models import BaseModel
from erp.core.money import MoneyField
from erp.core.scoping import AgentRows, RowScope
from erp.core.texts import ReaderTextField
from erp.core.units import duration_text
from erp.mikrotik.models import validate_rate_limit

from .card_templates import check_card_template
from .choices import (
    DEFAULT_CODE_LENGTH,
    MAX_BATCH,
    BatchStatus,
    CodeFormat,
    VoucherEventKind,
    VoucherStatus,
)


class Package(BaseModel):
    """A plan sold as vouchers: price, validity from first login, limits, speed, sites.

    Each package has its hotspot user profile on the routers (``profile``), kept by the services.
    """

    name = models.CharField(_("name"), max_length=80, unique=True)
    price = MoneyField(_("price"), validators=[MinValueValidator(0)])
    validity_seconds = models.PositiveIntegerField(
        _("validity (seconds)"),
        validators=[MinValueValidator(60)],
        help_text=_("Time from first login until the voucher expires."),
    )
    uptime_limit_seconds = models.PositiveIntegerField(
        _("uptime limit (seconds)"), null=True, blank=True
    )
    data_limit_bytes = models.PositiveBigIntegerField(
        _("data limit (bytes)"), null=True, blank=True
    )
    rate_limit = models.CharField(
        _("rate limit"),
        max_length=100,
        blank=True,
        validators=[validate_rate_limit],
        help_text=_("MikroTik syntax, e.g. 2M/2M."),
    )
    shared_users = models.PositiveSmallIntegerField(
        _("shared users"), default=1, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    sites = models.ManyToManyField(
        "sites.Site", verbose_name=_("sold at"), blank=True, related_name="packages"
    )
    is_active = models.BooleanField(_("active"), default=True)
    profile = models.OneToOneField(
        "mikrotik.HotspotProfile",
        verbose_name=_("hotspot profile"),
        on_delete=models.PROTECT,
        related_name="package",
        editable=False,
    )
    history = HistoricalRecords(m2m_fields=[sites])

    class Meta:
        verbose_name = _("package")
        verbose_name_plural = _("packages")
        ordering = ["price", "name"]
        constraints = [
            models.CheckConstraint(condition=Q(price__gte=0), name="package_price_not_negative"),
        ]

    def __str__(self) -> str:
        return self.name

    @admin_display(description=_("validity"))
    def validity(self) -> str:
        """The validity as people read it ("1 day", "2 h"): list pages show this."""
        return duration_text(self.validity_seconds)


class VoucherBatch(BaseModel):
    """A request for vouchers, its approval, and the job that makes them and pushes them."""

    package = models.ForeignKey(
        Package, verbose_name=_("package"), on_delete=models.PROTECT, related_name="batches"
    )
    router = models.ForeignKey(
        "sites.Router",
        verbose_name=_("router"),
        on_delete=models.PROTECT,
        related_name="voucher_batches",
    )
    site = models.ForeignKey(
        "sites.Site",
        verbose_name=_("site"),
        on_delete=models.PROTECT,
        related_name="voucher_batches",
        editable=False,
    )
    quantity = models.PositiveIntegerField(
        _("quantity"), validators=[MinValueValidator(1), MaxValueValidator(MAX_BATCH)]
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assign to agent"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="voucher_batches",
    )
    note = models.TextField(_("note"), blank=True)
    code_length = models.PositiveSmallIntegerField(_("code length"), default=DEFAULT_CODE_LENGTH)
    code_prefix = models.CharField(_("code prefix"), max_length=8, blank=True)
    code_format = models.CharField(
        _("code format"), max_length=8, choices=CodeFormat.choices, default=CodeFormat.SAME
    )
    status = models.CharField(
        _("status"), max_length=12, choices=BatchStatus.choices, default=BatchStatus.REQUESTED
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.PROTECT,
        null=True,
        related_name="requested_batches",
        editable=False,
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved or rejected by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="decided_batches",
        editable=False,
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True, editable=False)
    decision_comment = models.TextField(_("decision comment"), blank=True)
    preapproved = models.BooleanField(
        _("created already approved"),
        default=False,
        editable=False,
        help_text=_("Made by an operator's command (imports, scripts), not through approval."),
    )
    generated_count = models.PositiveIntegerField(_("generated"), default=0, editable=False)
    pushed_count = models.PositiveIntegerField(_("pushed"), default=0, editable=False)
    failed_count = models.PositiveIntegerField(_("failed"), default=0, editable=False)
    last_error = ReaderTextField(_("last error"), max_length=500, blank=True, editable=False)
    # The batch job's pulse: set as it generates and pushes chunks. A job whose pulse stopped
    # (its worker was killed) is found by the reaper and queued again (see services).
    heartbeat_at = models.DateTimeField(_("last progress"), null=True, blank=True, editable=False)
    history = HistoricalRecords(excluded_fields=["heartbeat_at"])

    row_scope = RowScope(agent="agent", agents_see=AgentRows.OWN)

    class Meta:
        verbose_name = _("voucher batch")
        verbose_name_plural = _("voucher batches")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "-created_at"], name="batch_status_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gte=1, quantity__lte=MAX_BATCH), name="batch_quantity_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.package} @ {self.router}" if self.package_id else "batch"

    @property
    def face_value(self):
        """What the batch is worth at the package price (what the approver signs off)."""
        return self.package.price * self.quantity


class Voucher(models.Model):
    """One internet-access code. Its hotspot user on the router is the HotspotUser of the same
    router whose name is the code (no foreign key: the pair is unique on both sides).

    No history table (millions of rows): every change is a VoucherEvent.
    """

    code = models.CharField(_("code"), max_length=32, unique=True)
    password = models.CharField(
        _("password"),
        max_length=32,
        blank=True,
        help_text=_("Empty when the code is also the password."),
    )
    batch = models.ForeignKey(
        VoucherBatch, verbose_name=_("batch"), on_delete=models.PROTECT, related_name="vouchers"
    )
    # package, site and router repeat the batch's (whose foreign keys the database checks): no
    # constraint of their own, so a bulk insert does not look each row up three more times.
    package = models.ForeignKey(
        Package,
        verbose_name=_("package"),
        on_delete=models.PROTECT,
        related_name="vouchers",
        db_index=False,
        db_constraint=False,
    )
    site = models.ForeignKey(
        "sites.Site",
        verbose_name=_("site"),
        on_delete=models.PROTECT,
        related_name="vouchers",
        db_index=False,
        db_constraint=False,
    )
    router = models.ForeignKey(
        "sites.Router",
        verbose_name=_("router"),
        on_delete=models.PROTECT,
        related_name="vouchers",
        db_index=False,
        db_constraint=False,
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("held by agent"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="vouchers",
        db_index=False,
    )
    status = models.CharField(
        _("status"), max_length=8, choices=VoucherStatus.choices, default=VoucherStatus.UNUSED
    )
    sold_at = models.DateTimeField(_("sold at"), null=True, blank=True)
    activated_at = models.DateTimeField(_("first login"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    voided_at = models.DateTimeField(_("voided at"), null=True, blank=True)
    # Set when the voucher changes hands after it was made (assigned, transferred, returned):
    # stock ageing counts from here, else from created_at (a batch made for an agent).
    assigned_at = models.DateTimeField(_("held since"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    row_scope = RowScope(agent="agent", agents_see=AgentRows.OWN)

    class Meta:
        verbose_name = _("voucher")
        verbose_name_plural = _("vouchers")
        ordering = ["batch", "code"]
        indexes = [
            models.Index(fields=["agent", "status"], name="voucher_agent_status_idx"),
            models.Index(fields=["site", "package", "status"], name="voucher_stock_idx"),
            models.Index(fields=["status", "expires_at"], name="voucher_expiry_idx"),
            # The POS takes "the next unused voucher of this package in this seller's stock":
            # a partial index on unused stock answers that at once, even when the planner's
            # statistics have not yet seen a batch just generated.
            models.Index(
                fields=["agent", "package", "id"],
                condition=models.Q(status="unused"),
                name="voucher_unused_stock_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def login_password(self) -> str:
        return self.password or self.code


class VoucherEvent(models.Model):
    """Something that happened to a voucher: its history, read when support looks a code up."""

    voucher = models.ForeignKey(
        Voucher, verbose_name=_("voucher"), on_delete=models.CASCADE, related_name="events"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=VoucherEventKind.choices)
    at = models.DateTimeField(_("at"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("voucher event")
        verbose_name_plural = _("voucher events")
        ordering = ["at", "pk"]
        # The analytics refresh reads the events since its last run (whose stock changed).
        indexes = [models.Index(fields=["at"], name="voucherevent_at_idx")]

    def __str__(self) -> str:
        return f"{self.voucher_id} {self.kind}"


class CardTemplate(BaseModel):
    """The body of one printed voucher card, as a Django template, editable by Super Admin.

    It is rendered by a bare template engine (no loaders, no template tags libraries beyond
    the built-ins) with plain values only: code, password, organisation, site, package, price,
    validity, qr (a data URI for an <img>). The one marked active is used; with none, the
    built-in card.
    """

    name = models.CharField(_("name"), max_length=80, unique=True)
    body = models.TextField(
        _("card HTML"),
        help_text=_(
            "Django template of one card: {{ code }}, {{ password }}, {{ site }}, "
            "{{ package }}, {{ price }}, {{ validity }}, {{ qr }} (image source)."
        ),
    )
    is_active = models.BooleanField(_("in use"), default=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("card template")
        verbose_name_plural = _("card templates")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"], condition=Q(is_active=True), name="one_active_card_template"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        try:
            check_card_template(self.body)
        except ValueError as exc:
            raise ValidationError({"body": str(exc)}) from None
