"""Payments made online by customers of the captive portal, the provider accounts they go
through, and the provider's webhook deliveries (kept to refuse replays).

One payment issues at most one voucher: ``Payment.sale`` is a OneToOne (a database unique
constraint), the issuing service locks the payment row, and the online sale's idempotency key
is the payment's id.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from simple_history.models import HistoricalRecords

from erp.core import crypto, formats
from erp.core.models import BaseModel
from erp.core.money import MoneyField
from erp.core.scoping import AgentRows, RowScope
from erp.core.texts import ReaderTextField

from .choices import PaymentStatus, Provider, RefundState


class ProviderAccount(BaseModel):
    """Our account at a payment provider: where its API is, and the secrets to use it (kept
    encrypted like router passwords, out of the history table, never shown)."""

    name = models.CharField(_("name"), max_length=80, unique=True)
    provider = models.CharField(_("provider"), max_length=16, choices=Provider.choices)
    api_base_url = models.URLField(_("API base URL"), default="https://api.wave.com")
    currency = models.CharField(_("currency"), max_length=3, default="XOF")
    api_key_encrypted = models.TextField(_("API key (encrypted)"), editable=False, blank=True)
    webhook_secret_encrypted = models.TextField(
        _("webhook secret (encrypted)"), editable=False, blank=True
    )
    is_active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords(excluded_fields=["api_key_encrypted", "webhook_secret_encrypted"])

    class Meta:
        verbose_name = _("payment provider account")
        verbose_name_plural = _("payment provider accounts")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def set_api_key(self, raw: str) -> None:
        self.api_key_encrypted = crypto.encrypt(raw)

    def get_api_key(self) -> str:
        return crypto.decrypt(self.api_key_encrypted)

    def set_webhook_secret(self, raw: str) -> None:
        self.webhook_secret_encrypted = crypto.encrypt(raw)

    def get_webhook_secret(self) -> str:
        return crypto.decrypt(self.webhook_secret_encrypted)


class Payment(BaseModel):
    """A customer's payment for one package at one site. Its id is the provider's
    ``client_reference``; the provider's checkout session id is unique per account."""

    account = models.ForeignKey(
        ProviderAccount, verbose_name=_("account"), on_delete=models.PROTECT, related_name="+"
    )
    site = models.ForeignKey(
        "sites.Site", verbose_name=_("site"), on_delete=models.PROTECT, related_name="payments"
    )
    package = models.ForeignKey(
        "vouchers.Package", verbose_name=_("package"), on_delete=models.PROTECT, related_name="+"
    )
    amount = MoneyField(_("amount"))
    currency = models.CharField(_("currency"), max_length=3)
    status = models.CharField(
        _("status"), max_length=10, choices=PaymentStatus.choices, default=PaymentStatus.CREATED
    )
    provider_session_id = models.CharField(_("provider session"), max_length=64, blank=True)
    launch_url = models.URLField(_("payment page"), max_length=500, blank=True)
    transaction_id = models.CharField(_("provider transaction"), max_length=64, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    # The device's hotspot variables (MAC, IP, login link): to log it in once issued.
    hotspot = models.JSONField(_("device"), default=dict, blank=True)
    sale = models.OneToOneField(
        "sales.Sale",
        verbose_name=_("sale"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="payment",
    )
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    issued_at = models.DateTimeField(_("voucher issued at"), null=True, blank=True)
    issue_error = ReaderTextField(_("why not issued yet"), max_length=300, blank=True)
    issue_attempts = models.PositiveSmallIntegerField(_("issue attempts"), default=0)
    history = HistoricalRecords()

    row_scope = RowScope(agents_see=AgentRows.NONE, permission="payments.view_payment")

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-created_at"]
        permissions = [("refund_payment", _("Can refund an online payment through its provider"))]
        indexes = [
            models.Index(fields=["status", "created_at"], name="payment_status_idx"),
            models.Index(fields=["site", "-created_at"], name="payment_site_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "provider_session_id"],
                condition=~Q(provider_session_id=""),
                name="payment_provider_session_unique",
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
            # Issued means a sale; a sale means issued, or issued and then refunded.
            models.CheckConstraint(
                condition=Q(status__in=["issued", "refunding", "refunded"], sale__isnull=False)
                | (~Q(status="issued") & Q(sale__isnull=True)),
                name="payment_issued_iff_sale",
            ),
        ]

    def __str__(self) -> str:
        # a person reads it on the payment's page and in lists: what was paid, for what,
        # where and when (the id is a UUID, meaningless to them)
        return _("%(amount)s for %(package)s at %(site)s, %(when)s") % {
            "amount": formats.money(self.amount, currency=self.currency),
            "package": self.package,
            "site": self.site.name,
            "when": formats.date_time(self.created_at),
        }


class WebhookEvent(models.Model):
    """A provider webhook we accepted: its id is unique per account, so the same delivery
    replayed (even correctly signed, within the time window) is recognised and does nothing."""

    account = models.ForeignKey(
        ProviderAccount, verbose_name=_("account"), on_delete=models.CASCADE, related_name="+"
    )
    event_id = models.CharField(_("event id"), max_length=64)
    type = models.CharField(_("type"), max_length=64)
    session_id = models.CharField(_("provider session"), max_length=64, blank=True)
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)

    class Meta:
        verbose_name = _("webhook event")
        verbose_name_plural = _("webhook events")
        ordering = ["-received_at"]
        constraints = [
            models.UniqueConstraint(fields=["account", "event_id"], name="webhook_event_unique")
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.event_id}"


class Reconciliation(models.Model):
    """One day's payments compared with the provider's own records: every difference listed
    (status, amount, currency, reference), for Finance to read; kept, never edited."""

    account = models.ForeignKey(
        ProviderAccount, verbose_name=_("account"), on_delete=models.PROTECT, related_name="+"
    )
    day = models.DateField(_("day"))
    checked = models.PositiveIntegerField(_("payments checked"), default=0)
    differences = models.JSONField(_("differences"), default=list)
    unreachable = models.PositiveIntegerField(_("not readable at the provider"), default=0)
    ran_at = models.DateTimeField(_("ran at"), auto_now_add=True)

    class Meta:
        verbose_name = _("payment reconciliation")
        verbose_name_plural = _("payment reconciliations")
        ordering = ["-day", "-ran_at"]
        indexes = [models.Index(fields=["account", "-day"], name="reconciliation_day_idx")]

    def __str__(self) -> str:
        return ngettext(
            "%(day)s: %(count)d difference", "%(day)s: %(count)d differences", len(self.differences)
        ) % {"day": formats.date(self.day), "count": len(self.differences)}


class PaymentRefund(BaseModel):
    """Money given back to the customer through the provider, for the whole payment.

    At most one refund per payment that is not the provider's final refusal (a partial unique
    constraint), asked under the payment's row lock; the refund's id is the idempotency key
    sent to the provider, so a retry after a lost answer never refunds twice."""

    payment = models.ForeignKey(
        Payment, verbose_name=_("payment"), on_delete=models.PROTECT, related_name="refunds"
    )
    amount = MoneyField(_("amount"))
    reason = models.CharField(_("reason"), max_length=200)
    state = models.CharField(
        _("state"), max_length=10, choices=RefundState.choices, default=RefundState.REQUESTED
    )
    # The payment's status before the refund: where it goes back to if the provider refuses.
    status_before = models.CharField(_("status before"), max_length=10)
    requested_by = models.ForeignKey(
        "accounts.User", verbose_name=_("requested by"), on_delete=models.PROTECT, related_name="+"
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    error = ReaderTextField(_("provider's answer"), max_length=300, blank=True)
    done_at = models.DateTimeField(_("refunded at"), null=True, blank=True)
    history = HistoricalRecords()

    row_scope = RowScope(
        site="payment__site",
        agents_see=AgentRows.NONE,
        permission="payments.view_payment",
    )

    class Meta:
        verbose_name = _("payment refund")
        verbose_name_plural = _("payment refunds")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["payment"],
                condition=~Q(state="failed"),
                name="payment_refund_once",
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_refund_positive"),
        ]

    def __str__(self) -> str:
        return _("Refund of %(amount)s (%(state)s) of the payment %(payment)s") % {
            "amount": formats.money(self.amount),
            "state": self.get_state_display(),
            "payment": self.payment,
        }
