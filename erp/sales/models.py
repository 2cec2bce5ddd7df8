"""Sales of vouchers, their receipts and the commission each one earned.

A sale is never edited or deleted (refunds and voids will be records of their own); the
voucher's OneToOne makes "sold at most once" a database fact, whatever the application does.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from erp.core import formats
from erp.core.models import BaseModel
from erp.core.money import MoneyField
from erp.core.scoping import AgentRows, RowScope

from .choices import PaymentMethod, SaleChannel


class Sale(BaseModel):
    """One voucher sold: who sold it, to whom, for how much, and the commission it earned."""

    voucher = models.OneToOneField(
        "vouchers.Voucher", verbose_name=_("voucher"), on_delete=models.PROTECT, related_name="sale"
    )
    site = models.ForeignKey(
        "sites.Site", verbose_name=_("site"), on_delete=models.PROTECT, related_name="sales"
    )
    seller = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("seller"),
        on_delete=models.PROTECT,
        related_name="sales",
    )
    client = models.ForeignKey(
        "clients.Client",
        verbose_name=_("client"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="purchases",
    )
    package = models.ForeignKey(
        "vouchers.Package",
        verbose_name=_("package"),
        on_delete=models.PROTECT,
        related_name="sales",
    )
    price = MoneyField(_("price"))
    discount = MoneyField(_("discount"), default=0)
    amount = MoneyField(_("amount paid"))
    commission = MoneyField(_("commission"), default=0)
    payment_method = models.CharField(
        _("payment method"), max_length=8, choices=PaymentMethod.choices
    )
    payment_reference = models.CharField(_("payment reference"), max_length=64, blank=True)
    # Who made the sale: an agent, the desk, or the customer online (the captive portal).
    # The database default keeps bulk loads (COPY) that predate the column valid.
    channel = models.CharField(
        _("channel"),
        max_length=8,
        choices=SaleChannel.choices,
        default=SaleChannel.AGENT,
        db_default=SaleChannel.AGENT,
    )
    receipt_number = models.PositiveIntegerField(_("receipt number"))
    idempotency_key = models.UUIDField(_("idempotency key"), editable=False)
    # SHA-256 of the request that made the sale: the same key with another request is refused.
    # Empty in the database too, so bulk loads (COPY) that predate it still fit.
    request_hash = models.CharField(
        _("request fingerprint"),
        max_length=64,
        blank=True,
        default="",
        db_default="",
        editable=False,
    )
    sold_at = models.DateTimeField(_("sold at"), db_index=True)
    history = HistoricalRecords()

    row_scope = RowScope(agent="seller", agents_see=AgentRows.OWN)

    class Meta:
        verbose_name = _("sale")
        verbose_name_plural = _("sales")
        ordering = ["-sold_at"]
        permissions = [("give_discount", _("Can give a discount on a sale"))]
        indexes = [
            models.Index(fields=["seller", "-sold_at"], name="sale_seller_idx"),
            # The API list pages by -created_at: an agent's page walks this index instead of
            # the whole table's created_at, filtering out every other seller's sales.
            models.Index(fields=["seller", "-created_at"], name="sale_seller_created_idx"),
            models.Index(fields=["site", "-sold_at"], name="sale_site_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["site", "receipt_number"], name="sale_receipt_unique_per_site"
            ),
            models.UniqueConstraint(
                fields=["seller", "idempotency_key"], name="sale_idempotency_unique"
            ),
            models.CheckConstraint(
                condition=Q(amount=F("price") - F("discount")),
                name="sale_amount_is_price_less_discount",
            ),
            models.CheckConstraint(
                condition=Q(discount__gte=0) & Q(amount__gte=0), name="sale_money_not_negative"
            ),
        ]

    def __str__(self) -> str:
        # the receipt's number, what was paid and when (the voucher's id means nothing to people)
        return _("#%(number)s, %(amount)s, %(when)s") % {
            "number": self.receipt_number,
            "amount": formats.money(self.amount, currency=True),
            "when": formats.date_time(self.sold_at),
        }


class ReceiptCounter(models.Model):
    """The last receipt number of a site: numbers are per site, in sequence, no gaps."""

    site = models.OneToOneField(
        "sites.Site",
        verbose_name=_("site"),
        on_delete=models.CASCADE,
        related_name="receipt_counter",
    )
    last_number = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("receipt counter")
        verbose_name_plural = _("receipt counters")
        ordering = ["site"]

    def __str__(self) -> str:
        return f"{self.site}: {self.last_number}"


class CommissionRule(BaseModel):
    """What an agent earns on a sale: a percent of the amount or a fixed sum.

    The most specific active rule wins: agent+package, then agent, then package, then site,
    then the default (no agent, package or site). Changing a rule never rewrites past sales:
    each sale stores its commission.
    """

    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("agent"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="commission_rules",
    )
    package = models.ForeignKey(
        "vouchers.Package",
        verbose_name=_("package"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
    )
    site = models.ForeignKey(
        "sites.Site", verbose_name=_("site"), on_delete=models.CASCADE, null=True, blank=True
    )
    percent = models.DecimalField(
        _("percent"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    fixed = MoneyField(_("fixed amount"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("commission rule")
        verbose_name_plural = _("commission rules")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(percent__isnull=False, fixed__isnull=True)
                    | Q(percent__isnull=True, fixed__isnull=False)
                ),
                name="commission_percent_or_fixed",
                violation_error_message=_("Give either a percent or a fixed amount, not both."),
            ),
            models.CheckConstraint(
                condition=Q(percent__isnull=True) | Q(percent__gte=0, percent__lte=100),
                name="commission_percent_range",
                violation_error_message=_("A percent is between 0 and 100."),
            ),
        ]

    def __str__(self) -> str:
        how = f"{self.percent}%" if self.percent is not None else f"{self.fixed}"
        return f"{how} ({self.agent or '-'} / {self.package or '-'} / {self.site or '-'})"


class Refund(BaseModel):
    """A sale given back: its own record (the sale is never edited), reversing the commission.

    One refund per sale, by database constraint.
    """

    sale = models.OneToOneField(
        Sale, verbose_name=_("sale"), on_delete=models.PROTECT, related_name="refund"
    )
    amount = MoneyField(_("amount refunded"))
    commission_reversed = MoneyField(_("commission reversed"))
    reason = models.CharField(_("reason"), max_length=200)
    refunded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("refunded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    refunded_at = models.DateTimeField(_("refunded at"), db_index=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        ordering = ["-refunded_at"]

    def __str__(self) -> str:
        return _("Refund of %(sale)s") % {"sale": self.sale}


class Remittance(BaseModel):
    """Cash (or mobile money) an agent hands to the office; Finance records it."""

    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("agent"),
        on_delete=models.PROTECT,
        related_name="remittances",
    )
    amount = MoneyField(_("amount"))
    method = models.CharField(_("method"), max_length=8, choices=PaymentMethod.choices)
    reference = models.CharField(_("reference"), max_length=64, blank=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("received by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    received_at = models.DateTimeField(_("received at"), db_index=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    history = HistoricalRecords()

    row_scope = RowScope(
        site=None, agent="agent", agents_see=AgentRows.OWN, permission="sales.view_remittance"
    )

    class Meta:
        verbose_name = _("remittance")
        verbose_name_plural = _("remittances")
        ordering = ["-received_at"]
        indexes = [models.Index(fields=["agent", "-received_at"], name="remittance_agent_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="remittance_positive"),
        ]

    def __str__(self) -> str:
        return f"{formats.person(self.agent)} {formats.money(self.amount)}"
