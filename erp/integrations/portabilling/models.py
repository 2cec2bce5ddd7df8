"""A site's PortaBilling settings, the accounts made for its vouchers, and the credits of
online payments."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from erp.core import crypto
from erp.core.models import BaseModel
from erp.core.scoping import AgentRows, RowScope
from erp.core.texts import ReaderTextField

from .choices import AccountState, CreditState, LinkStatus


class PortaBillingSite(BaseModel):
    """How one site is billed through a PortaBilling server (off until a Super Admin turns it
    on). The API password is kept only encrypted (Fernet, like router passwords) and is left
    out of the history table."""

    site = models.OneToOneField(
        "sites.Site",
        verbose_name=_("site"),
        on_delete=models.PROTECT,
        related_name="portabilling",
    )
    enabled = models.BooleanField(_("enabled"), default=False)
    enabled_at = models.DateTimeField(_("enabled since"), null=True, blank=True, editable=False)
    api_url = models.URLField(
        _("API address"),
        help_text=_("https://billing.example.com:443 (admin) or :8442 (reseller), without /rest."),
    )
    login = models.CharField(_("API login"), max_length=64)
    password_encrypted = models.TextField(_("API password (encrypted)"), editable=False)
    verify_tls = models.BooleanField(_("verify TLS certificate"), default=True)
    timeout_seconds = models.PositiveSmallIntegerField(
        _("timeout (seconds)"),
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(30)],
    )
    parallel = models.PositiveSmallIntegerField(
        _("parallel requests"),
        default=4,
        validators=[MinValueValidator(1), MaxValueValidator(16)],
    )
    i_customer = models.PositiveIntegerField(_("customer (i_customer)"))
    i_product = models.PositiveIntegerField(_("product (i_product)"))
    i_account_role = models.PositiveIntegerField(
        _("voucher role (i_account_role)"), null=True, blank=True
    )
    credit_online_payments = models.BooleanField(
        _("credit online payments"),
        default=False,
        help_text=_("Credit the voucher's account with what the customer paid online."),
    )
    status = models.CharField(
        _("status"), max_length=8, choices=LinkStatus.choices, default=LinkStatus.UNKNOWN
    )
    last_error = ReaderTextField(_("last error"), max_length=500, blank=True, editable=False)
    last_error_at = models.DateTimeField(_("last error at"), null=True, blank=True)
    last_sync_at = models.DateTimeField(_("last sync"), null=True, blank=True, editable=False)
    last_sync_checked = models.PositiveIntegerField(_("accounts checked"), default=0)
    last_call_ms = models.PositiveIntegerField(_("last call (ms)"), null=True, blank=True)
    history = HistoricalRecords(excluded_fields=["password_encrypted"])

    row_scope = RowScope(agents_see=AgentRows.NONE, permission="portabilling.view_portabillingsite")

    class Meta:
        verbose_name = _("PortaBilling site")
        verbose_name_plural = _("PortaBilling sites")
        ordering = ["site__name"]
        permissions = [
            ("operate_portabilling", _("Can sync and repair PortaBilling accounts")),
        ]
        indexes = [models.Index(fields=["enabled"], name="porta_site_enabled_idx")]

    def __str__(self) -> str:
        return f"PortaBilling {self.site}"

    def set_password(self, password: str) -> None:
        self.password_encrypted = crypto.encrypt(password)

    def get_password(self) -> str:
        return crypto.decrypt(self.password_encrypted)


class PortaAccount(models.Model):
    """A voucher's account on the site's PortaBilling server (``i_account`` once created).

    ``attempts`` > 0 with no ``i_account`` means a create was sent and its answer may have been
    lost: the push looks the account up by its id before adding it again."""

    voucher = models.OneToOneField(
        "vouchers.Voucher",
        verbose_name=_("voucher"),
        on_delete=models.PROTECT,
        related_name="portabilling_account",
    )
    site = models.ForeignKey(
        "sites.Site", verbose_name=_("site"), on_delete=models.PROTECT, related_name="+"
    )
    batch = models.ForeignKey(
        "vouchers.VoucherBatch",
        verbose_name=_("batch"),
        on_delete=models.PROTECT,
        related_name="portabilling_accounts",
    )
    state = models.CharField(
        _("state"), max_length=8, choices=AccountState.choices, default=AccountState.PENDING
    )
    i_account = models.PositiveIntegerField(_("i_account"), null=True, blank=True)
    opening_balance = models.DecimalField(_("opening balance"), max_digits=12, decimal_places=2)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    blocked = models.BooleanField(_("blocked on PortaBilling"), default=False)
    remote_blocked = models.BooleanField(_("blocked (as read)"), null=True, blank=True)
    remote_balance = models.DecimalField(
        _("balance (as read)"), max_digits=14, decimal_places=5, null=True, blank=True
    )
    differences = models.JSONField(_("differences"), default=list, blank=True)
    last_error = ReaderTextField(_("last error"), max_length=300, blank=True)
    checked_at = models.DateTimeField(_("read at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    row_scope = RowScope(agents_see=AgentRows.NONE, permission="portabilling.view_portaaccount")

    class Meta:
        verbose_name = _("PortaBilling account")
        verbose_name_plural = _("PortaBilling accounts")
        ordering = ["site", "created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["site", "i_account"],
                condition=Q(i_account__isnull=False),
                name="porta_account_i_account_unique",
            )
        ]
        indexes = [
            models.Index(fields=["site", "state"], name="porta_account_state_idx"),
            models.Index(fields=["batch", "state"], name="porta_account_batch_idx"),
            models.Index(fields=["site", "checked_at"], name="porta_account_checked_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.voucher_id} → {self.i_account or '?'}"


class PortaCredit(models.Model):
    """Money put on a voucher's account for an online payment, at most once: ``reference``
    travels with the payment, and a retry first looks for it on the account."""

    account = models.ForeignKey(
        PortaAccount, verbose_name=_("account"), on_delete=models.PROTECT, related_name="credits"
    )
    payment_id = models.UUIDField(_("payment"), unique=True)
    reference = models.CharField(_("our reference"), max_length=64, unique=True)
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    state = models.CharField(
        _("state"), max_length=8, choices=CreditState.choices, default=CreditState.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = ReaderTextField(_("last error"), max_length=300, blank=True)
    applied_at = models.DateTimeField(_("credited at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    history = HistoricalRecords()

    row_scope = RowScope(
        site="account__site",
        agents_see=AgentRows.NONE,
        permission="portabilling.view_portacredit",
    )

    class Meta:
        verbose_name = _("PortaBilling credit")
        verbose_name_plural = _("PortaBilling credits")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["state", "created_at"], name="porta_credit_state_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="porta_credit_positive")
        ]

    def __str__(self) -> str:
        return self.reference
