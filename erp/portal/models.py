"""The captive portal's records: per-site settings, every voucher code tried (attempt limits,
visible brute force), and the sessions it opened."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from erp.core import crypto
from erp.core.models import BaseModel
from erp.core.scoping import AgentRows, RowScope

from .choices import AttemptOutcome, Controller, LoginMethod


class PortalSettings(BaseModel):
    """A site's portal: whether it is open, how devices are logged in, what it says."""

    site = models.OneToOneField(
        "sites.Site", verbose_name=_("site"), on_delete=models.CASCADE, related_name="portal"
    )
    is_enabled = models.BooleanField(_("portal open"), default=True)
    login_method = models.CharField(
        _("login method"), max_length=8, choices=LoginMethod.choices, default=LoginMethod.BROWSER
    )
    welcome = models.CharField(_("welcome text"), max_length=200, blank=True)
    sells_online = models.BooleanField(_("sells packages online"), default=True)
    history = HistoricalRecords()

    row_scope = RowScope(agents_see=AgentRows.NONE, permission="portal.view_portalsettings")

    class Meta:
        verbose_name = _("portal settings")
        verbose_name_plural = _("portal settings")
        ordering = ["site"]

    def __str__(self) -> str:
        return f"portal of {self.site}"


class VoucherAttempt(models.Model):
    """One voucher code typed on a portal: the attempt limits count these, and a flood of
    wrong codes at a site shows here (the code itself is never stored, only whether it was
    good)."""

    site = models.ForeignKey(
        "sites.Site", verbose_name=_("site"), on_delete=models.CASCADE, related_name="+"
    )
    device = models.CharField(_("device"), max_length=64, help_text=_("MAC, else IP address"))
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=8, choices=AttemptOutcome.choices)
    at = models.DateTimeField(_("at"), auto_now_add=True)

    row_scope = RowScope(agents_see=AgentRows.NONE, permission="portal.view_voucherattempt")

    class Meta:
        verbose_name = _("voucher attempt")
        verbose_name_plural = _("voucher attempts")
        ordering = ["-at"]
        indexes = [
            models.Index(fields=["site", "device", "-at"], name="attempt_device_idx"),
            models.Index(fields=["site", "-at"], name="attempt_site_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.site_id} {self.device} {self.outcome}"


class PortalSession(models.Model):
    """A device let on by the portal: which voucher, which device, how, and (once the
    controller reports it) when it ended and how many bytes it used."""

    site = models.ForeignKey(
        "sites.Site", verbose_name=_("site"), on_delete=models.PROTECT, related_name="+"
    )
    voucher = models.ForeignKey(
        "vouchers.Voucher",
        verbose_name=_("voucher"),
        on_delete=models.PROTECT,
        related_name="portal_sessions",
    )
    controller = models.CharField(
        _("controller"), max_length=8, choices=Controller.choices, default=Controller.MIKROTIK
    )
    method = models.CharField(_("login method"), max_length=8, choices=LoginMethod.choices)
    mac = models.CharField(_("MAC address"), max_length=17, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    payment_id = models.UUIDField(_("payment"), null=True, blank=True)
    # openNDS: the client's rhid (its authmon token), to match the gateway's deauth report.
    rhid = models.CharField(_("openNDS rhid"), max_length=64, blank=True, db_index=True)
    started_at = models.DateTimeField(_("started at"), auto_now_add=True, db_index=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    bytes_in = models.PositiveBigIntegerField(_("bytes in"), default=0)
    bytes_out = models.PositiveBigIntegerField(_("bytes out"), default=0)

    row_scope = RowScope(agents_see=AgentRows.NONE, permission="portal.view_portalsession")

    class Meta:
        verbose_name = _("portal session")
        verbose_name_plural = _("portal sessions")
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["site", "-started_at"], name="portal_session_site_idx")]

    def __str__(self) -> str:
        return f"{self.voucher_id} {self.mac or self.ip}"


class OpenNDSGateway(BaseModel):
    """An openNDS router of a site using our FAS at level 3 (authmon): the shared faskey
    (encrypted at rest like router passwords, out of history) and the gateway hash its polls
    carry, learnt from the first client it sends."""

    site = models.ForeignKey(
        "sites.Site", verbose_name=_("site"), on_delete=models.CASCADE, related_name="+"
    )
    name = models.CharField(_("name"), max_length=80)
    faskey_encrypted = models.TextField(_("faskey (encrypted)"), editable=False)
    gatewayname = models.CharField(
        _("gateway name as received"), max_length=200, blank=True, editable=False
    )
    gatewayhash = models.CharField(
        _("gateway hash"), max_length=64, blank=True, editable=False, db_index=True
    )
    last_poll_at = models.DateTimeField(_("last authmon poll"), null=True, blank=True)
    history = HistoricalRecords(excluded_fields=["faskey_encrypted"])

    row_scope = RowScope(agents_see=AgentRows.NONE, permission="portal.view_openndsgateway")

    class Meta:
        verbose_name = _("openNDS gateway")
        verbose_name_plural = _("openNDS gateways")
        ordering = ["site", "name"]

    def __str__(self) -> str:
        return self.name

    def set_faskey(self, raw: str) -> None:
        self.faskey_encrypted = crypto.encrypt(raw)

    def get_faskey(self) -> str:
        return crypto.decrypt(self.faskey_encrypted)


class PendingAuth(models.Model):
    """A client the portal authorised, waiting for the gateway's authmon to take it: listed
    on each "view" poll (at most 4 at a time) and deleted only once the gateway acks it."""

    gateway = models.ForeignKey(
        OpenNDSGateway, verbose_name=_("gateway"), on_delete=models.CASCADE, related_name="+"
    )
    rhid = models.CharField(_("rhid"), max_length=64)
    line = models.CharField(_("authmon line"), max_length=300)
    session = models.ForeignKey(
        PortalSession, verbose_name=_("session"), on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("pending openNDS authorisation")
        verbose_name_plural = _("pending openNDS authorisations")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["gateway", "rhid"], name="pending_auth_unique")
        ]

    def __str__(self) -> str:
        return self.rhid


class AccountCode(models.Model):
    """A one-time code sent by SMS to open a customer's account page on the portal.

    Only a keyed hash of the code is kept (a stolen table does not log anyone in); the row also
    counts wrong codes, and ``locked_until`` shuts the phone out of the site for a while after
    too many of them."""

    site = models.ForeignKey(
        "sites.Site", verbose_name=_("site"), on_delete=models.CASCADE, related_name="+"
    )
    phone = models.CharField(_("phone"), max_length=20)
    code_hash = models.CharField(_("code (hashed)"), max_length=128, editable=False)
    created_at = models.DateTimeField(_("sent at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    failures = models.PositiveSmallIntegerField(_("wrong codes"), default=0)
    locked_until = models.DateTimeField(_("locked until"), null=True, blank=True)
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)

    row_scope = RowScope(agents_see=AgentRows.NONE, permission="portal.view_portalsession")

    class Meta:
        verbose_name = _("account code")
        verbose_name_plural = _("account codes")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["site", "phone", "-created_at"], name="account_code_phone_idx")
        ]

    def __str__(self) -> str:
        return f"{self.site_id} {self.phone}"
