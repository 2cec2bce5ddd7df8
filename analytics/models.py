"""Rollups: sales and refunds summed per day, so dashboards never scan the raw sales table.

These rows are derived data, rebuilt at will from sales and refunds (``manage.py
rebuild_rollups``), so they carry no history. A day's rows are always replaced as a whole: a
sale's row and a refund's row for the same key may both exist, and every reader sums them.
Days are local dates (settings.TIME_ZONE), as in the profit and daily reports.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from erp.core.money import MoneyField
from erp.sales.choices import PaymentMethod, SaleChannel


class RollupFigures(models.Model):
    """The figures both rollups carry: sales on their day, refunds on theirs."""

    sales_count = models.PositiveIntegerField(_("sales"), default=0)
    sales_amount = MoneyField(_("amount paid"), default=0)
    commission = MoneyField(_("commission"), default=0)
    refunds_count = models.PositiveIntegerField(_("refunds"), default=0)
    refunds_amount = MoneyField(_("amount refunded"), default=0)
    commission_reversed = MoneyField(_("commission reversed"), default=0)

    class Meta:
        abstract = True


class SalesDaily(RollupFigures):
    """Sales and refunds of one local day per site, package and payment method."""

    day = models.DateField(_("day"))
    site = models.ForeignKey(
        "sites.Site", verbose_name=_("site"), on_delete=models.CASCADE, related_name="+"
    )
    package = models.ForeignKey(
        "vouchers.Package", verbose_name=_("package"), on_delete=models.CASCADE, related_name="+"
    )
    payment_method = models.CharField(
        _("payment method"), max_length=8, choices=PaymentMethod.choices
    )

    class Meta:
        verbose_name = _("daily sales (rollup)")
        verbose_name_plural = _("daily sales (rollup)")
        ordering = ["-day"]
        indexes = [
            models.Index(fields=["day", "site"], name="salesdaily_day_site_idx"),
            models.Index(fields=["site", "day"], name="salesdaily_site_day_idx"),
        ]
        permissions = [
            ("view_analytics", _("Can see every analytics page")),
            ("view_finance_analytics", _("Can see the finance and agent analytics pages")),
            ("view_own_analytics", _("Can see one's own agent analytics page")),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.site_id} {self.package_id} {self.payment_method}"


class SiteDaily(RollupFigures):
    """SalesDaily summed over packages and payment methods: about one row per site a day,
    for the charts that neither split nor filter by package (ranking, map, profit)."""

    day = models.DateField(_("day"))
    site = models.ForeignKey(
        "sites.Site", verbose_name=_("site"), on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        verbose_name = _("daily site sales (rollup)")
        verbose_name_plural = _("daily site sales (rollup)")
        ordering = ["-day"]
        indexes = [models.Index(fields=["day", "site"], name="sitedaily_day_site_idx")]

    def __str__(self) -> str:
        return f"{self.day} {self.site_id}"


class SiteMonthly(RollupFigures):
    """SiteDaily summed per calendar month: long periods read months, not days."""

    month = models.DateField(_("month"), help_text=_("Its first day."))
    site = models.ForeignKey(
        "sites.Site", verbose_name=_("site"), on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        verbose_name = _("monthly site sales (rollup)")
        verbose_name_plural = _("monthly site sales (rollup)")
        ordering = ["-month"]
        indexes = [models.Index(fields=["month", "site"], name="sitemonthly_month_site_idx")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.site_id}"


class PackageDaily(RollupFigures):
    """SalesDaily summed over sites: a handful of rows a day, for the charts over all sites
    (revenue per day and month, packages and payment methods, the headline figures)."""

    day = models.DateField(_("day"))
    package = models.ForeignKey(
        "vouchers.Package", verbose_name=_("package"), on_delete=models.CASCADE, related_name="+"
    )
    payment_method = models.CharField(
        _("payment method"), max_length=8, choices=PaymentMethod.choices
    )

    class Meta:
        verbose_name = _("daily package sales (rollup)")
        verbose_name_plural = _("daily package sales (rollup)")
        ordering = ["-day"]
        indexes = [models.Index(fields=["day"], name="packagedaily_day_idx")]

    def __str__(self) -> str:
        return f"{self.day} {self.package_id} {self.payment_method}"


class AgentDaily(RollupFigures):
    """Sales and refunds of one local day per seller, site and package (commission, and the
    revenue charts when agents are chosen)."""

    day = models.DateField(_("day"))
    seller = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("seller"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    site = models.ForeignKey(
        "sites.Site", verbose_name=_("site"), on_delete=models.CASCADE, related_name="+"
    )
    package = models.ForeignKey(
        "vouchers.Package", verbose_name=_("package"), on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        verbose_name = _("daily agent sales (rollup)")
        verbose_name_plural = _("daily agent sales (rollup)")
        ordering = ["-day"]
        indexes = [
            models.Index(fields=["day", "seller"], name="agentdaily_day_seller_idx"),
            models.Index(fields=["seller", "day"], name="agentdaily_seller_day_idx"),
            # the sales report by seller of a site manager: the manager's sites' days
            models.Index(fields=["site", "day"], name="agentdaily_site_day_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.seller_id} {self.site_id}"


class ChannelDaily(RollupFigures):
    """Sales and refunds of one local day per site and channel (agent, desk, online): the
    sales report's summary by channel, which neither SalesDaily nor AgentDaily can give."""

    day = models.DateField(_("day"))
    site = models.ForeignKey(
        "sites.Site", verbose_name=_("site"), on_delete=models.CASCADE, related_name="+"
    )
    channel = models.CharField(_("channel"), max_length=8, choices=SaleChannel.choices)

    class Meta:
        verbose_name = _("daily channel sales (rollup)")
        verbose_name_plural = _("daily channel sales (rollup)")
        ordering = ["-day"]
        indexes = [models.Index(fields=["day", "site"], name="channeldaily_day_site_idx")]

    def __str__(self) -> str:
        return f"{self.day} {self.site_id} {self.channel}"


class AgentMonthly(RollupFigures):
    """One calendar month (local) per seller, all sites: sales, refunds and remittances.

    An agent's balance owed counts everything up to a day; summing months (24 rows in two
    years) instead of days (hundreds) keeps that fast for thousands of agents. Built from
    AgentDaily and the remittances, one row per (month, seller).
    """

    month = models.DateField(_("month"), help_text=_("Its first day."))
    seller = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("seller"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    remittances_count = models.PositiveIntegerField(_("remittances"), default=0)
    remitted = MoneyField(_("remitted"), default=0)
    # What the month added to the agent's balance: paid − refunded − net commission −
    # remitted. A balance to date sums this one column.
    owed = MoneyField(_("owed"), default=0)

    class Meta:
        verbose_name = _("monthly agent figures (rollup)")
        verbose_name_plural = _("monthly agent figures (rollup)")
        ordering = ["-month"]
        constraints = [
            models.UniqueConstraint(fields=["month", "seller"], name="agentmonthly_key"),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.seller_id}"


class AgentCarry(models.Model):
    """Each seller's balance owed from every month before ``before`` (this month when kept
    current): a balance to date is this row plus this month's AgentMonthly row, not a sum
    over every month of every agent."""

    seller = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("seller"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    before = models.DateField(_("months before"))
    owed = MoneyField(_("owed"), default=0)

    class Meta:
        verbose_name = _("balance carried (rollup)")
        verbose_name_plural = _("balances carried (rollup)")
        ordering = ["seller"]

    def __str__(self) -> str:
        return f"{self.seller_id} before {self.before}: {self.owed}"


class StockAge(models.Model):
    """Unsold vouchers an agent holds now, per age bucket (0–7, 8–30, 31–90, over 90 days
    since they came into the agent's hands: made for the agent, or assigned later) as of the
    last refresh — the ageing chart reads this, not the vouchers. Current stock, not
    history: the first refresh of a day replaces it whole, later ones (every few minutes)
    replace the rows of the agents whose stock changed."""

    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("agent"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    site = models.ForeignKey(
        "sites.Site", verbose_name=_("site"), on_delete=models.CASCADE, related_name="+"
    )
    package = models.ForeignKey(
        "vouchers.Package", verbose_name=_("package"), on_delete=models.CASCADE, related_name="+"
    )
    bucket = models.PositiveSmallIntegerField(_("age bucket"))
    vouchers = models.PositiveIntegerField(_("unsold vouchers"))

    class Meta:
        verbose_name = _("unsold stock by age (rollup)")
        verbose_name_plural = _("unsold stock by age (rollup)")
        ordering = ["agent", "bucket"]
        indexes = [models.Index(fields=["agent"], name="stockage_agent_idx")]

    def __str__(self) -> str:
        return f"{self.agent_id} bucket {self.bucket}: {self.vouchers}"


class RouterHourly(models.Model):
    """One router's samples of one hour (UTC hours, so local days of whole-hour time zones
    are whole hours): active users as a sum and a count (a mean over any span is their
    ratio) and the interface counters' lowest and highest readings (traffic = highest −
    lowest, as over the raw samples). The network charts read this, not the samples, which
    arrive several times a minute from a thousand routers."""

    router = models.ForeignKey(
        "sites.Router", verbose_name=_("router"), on_delete=models.CASCADE, related_name="+"
    )
    hour = models.DateTimeField(_("hour"))
    samples = models.PositiveIntegerField(_("samples"))
    users_sum = models.PositiveBigIntegerField(_("active users, summed"), default=0)
    users_samples = models.PositiveIntegerField(_("samples with active users"), default=0)
    rx_min = models.PositiveBigIntegerField(_("received bytes, lowest"), null=True)
    rx_max = models.PositiveBigIntegerField(_("received bytes, highest"), null=True)
    tx_min = models.PositiveBigIntegerField(_("sent bytes, lowest"), null=True)
    tx_max = models.PositiveBigIntegerField(_("sent bytes, highest"), null=True)

    class Meta:
        verbose_name = _("hourly router figures (rollup)")
        verbose_name_plural = _("hourly router figures (rollup)")
        ordering = ["-hour"]
        constraints = [
            models.UniqueConstraint(fields=["router", "hour"], name="routerhourly_key"),
        ]
        indexes = [models.Index(fields=["hour"], name="routerhourly_hour_idx")]

    def __str__(self) -> str:
        return f"{self.router_id} {self.hour:%Y-%m-%d %H}h"


class RollupState(models.Model):
    """Where the incremental refresh got to: rows created after the watermark are new."""

    name = models.CharField(_("name"), max_length=32, unique=True)
    watermark = models.DateTimeField(_("watermark"), null=True, blank=True)
    refreshed_at = models.DateTimeField(_("refreshed at"), null=True, blank=True)
    rebuilt_at = models.DateTimeField(_("rebuilt at"), null=True, blank=True)
    # The local day StockAge was last recomputed whole: its age buckets move at midnight, so
    # the first refresh of a day recomputes every agent, later ones only the agents touched.
    stock_day = models.DateField(_("stock aged on"), null=True, blank=True)

    class Meta:
        verbose_name = _("rollup state")
        verbose_name_plural = _("rollup states")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} @ {self.watermark}"
