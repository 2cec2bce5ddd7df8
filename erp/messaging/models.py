"""SMS: gateways, templates, the outbox (one row per message, with its state history),
campaigns, inbound messages and the webhook deliveries already seen."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from erp.core import crypto
from erp.core.models import BaseModel
from erp.core.scoping import AgentRows, RowScope
from erp.core.texts import ReaderTextField

from .choices import CampaignState, GatewayKind, Language, MessageKind, MessageState


class Gateway(BaseModel):
    """A phone or modem that sends through the business's own SIM.

    Chosen per site (``site``) or per agent (``agent``); the default gateway serves the rest.
    The password and the webhook signing key are kept only encrypted (Fernet, like router
    passwords) and left out of the history table; nothing shows or logs them.
    """

    name = models.CharField(_("name"), max_length=80, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=GatewayKind.choices)
    is_active = models.BooleanField(_("active"), default=True)
    is_default = models.BooleanField(_("default gateway"), default=False)
    site = models.ForeignKey(
        "sites.Site",
        verbose_name=_("site"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="sms_gateways",
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("agent"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="sms_gateways",
    )
    # Android (local server): http://<phone>:8080
    base_url = models.CharField(_("address"), max_length=200, blank=True)
    username = models.CharField(_("user name"), max_length=64, blank=True)
    password_encrypted = models.TextField(_("password (encrypted)"), blank=True, editable=False)
    webhook_key_encrypted = models.TextField(
        _("webhook signing key (encrypted)"), blank=True, editable=False
    )
    sim_number = models.PositiveSmallIntegerField(_("SIM"), null=True, blank=True)
    # Router LTE: the router (its API login) and the LTE interface that sends
    router = models.ForeignKey(
        "sites.Router",
        verbose_name=_("router"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sms_gateways",
    )
    port = models.CharField(_("LTE interface"), max_length=40, blank=True, default="lte1")
    parts_per_minute = models.PositiveIntegerField(
        _("parts per minute"),
        default=30,
        help_text=_("Android allows 30 SMS parts a minute per app unless the phone is changed."),
    )
    throttle_window_seconds = models.PositiveIntegerField(
        _("throttle window (seconds)"), default=60
    )
    history = HistoricalRecords(excluded_fields=["password_encrypted", "webhook_key_encrypted"])

    row_scope = RowScope(
        agents_see=AgentRows.NONE, permission="messaging.view_gateway", unsited_to_scoped=True
    )

    class Meta:
        verbose_name = _("SMS gateway")
        verbose_name_plural = _("SMS gateways")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def set_password(self, raw: str) -> None:
        self.password_encrypted = crypto.encrypt(raw) if raw else ""

    def get_password(self) -> str:
        """For the adapter only, never for display."""
        return crypto.decrypt(self.password_encrypted) if self.password_encrypted else ""

    def set_webhook_key(self, raw: str) -> None:
        self.webhook_key_encrypted = crypto.encrypt(raw) if raw else ""

    def get_webhook_key(self) -> str:
        return crypto.decrypt(self.webhook_key_encrypted) if self.webhook_key_encrypted else ""


class Template(BaseModel):
    """A message with placeholders, one text per language (the client's language decides)."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(
        _("kind"), max_length=15, choices=MessageKind.choices, default=MessageKind.TRANSACTIONAL
    )
    text_en = models.TextField(_("text (English)"))
    text_sw = models.TextField(_("text (Swahili)"), blank=True)
    text_fr = models.TextField(_("text (French)"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("SMS template")
        verbose_name_plural = _("SMS templates")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def text_for(self, language: str) -> str:
        if language == Language.SWAHILI and self.text_sw:
            return self.text_sw
        if language == Language.FRENCH and self.text_fr:
            return self.text_fr
        return self.text_en


class Campaign(BaseModel):
    """Marketing to a filtered audience: its messages are queued at once and drain at the
    gateway's pace; progress and ETA are read from them."""

    name = models.CharField(_("name"), max_length=120)
    template = models.ForeignKey(
        Template, verbose_name=_("template"), on_delete=models.PROTECT, related_name="campaigns"
    )
    audience = models.JSONField(_("audience filters"), default=dict, blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=CampaignState.choices, default=CampaignState.QUEUED
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        related_name="sms_campaigns",
    )
    total = models.PositiveIntegerField(_("recipients"), default=0)
    total_parts = models.PositiveIntegerField(_("SMS parts"), default=0)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("SMS campaign")
        verbose_name_plural = _("SMS campaigns")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.name


class Message(models.Model):
    """One SMS to one number: the outbox row (not a BaseModel: its history is MessageEvent,
    written with each change, not a copy of the row per save as simple-history would do for
    every message of a 10,000-recipient campaign).

    Written in the transaction of the fact that causes it (a sale, a reminder run, a
    campaign), then sent by the gateway's pump task. Its id is the gateway's message id, so a
    retry after a crash can never send it twice: the gateway answers 409 to an id it has.
    ``accepted_at`` is when the gateway took it; a ``sending`` message without it may or may
    not have reached the gateway, and is asked about before any new try.
    ``source`` names the fact (``sale:<id>``) so a replayed fact queues nothing new.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    gateway = models.ForeignKey(
        Gateway, verbose_name=_("gateway"), on_delete=models.PROTECT, related_name="messages"
    )
    client = models.ForeignKey(
        "clients.Client",
        verbose_name=_("client"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="sms_messages",
    )
    phone = models.CharField(_("phone"), max_length=20)
    text = models.TextField(_("text"))
    encoding = models.CharField(_("encoding"), max_length=5)
    parts = models.PositiveSmallIntegerField(_("parts"))
    kind = models.CharField(
        _("kind"), max_length=15, choices=MessageKind.choices, default=MessageKind.TRANSACTIONAL
    )
    state = models.CharField(
        _("state"), max_length=10, choices=MessageState.choices, default=MessageState.QUEUED
    )
    reason = ReaderTextField(_("reason"), max_length=300, blank=True)
    template = models.ForeignKey(
        Template,
        verbose_name=_("template"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="messages",
    )
    campaign = models.ForeignKey(
        Campaign,
        verbose_name=_("campaign"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="messages",
    )
    source = models.CharField(_("source"), max_length=100, blank=True)
    queued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("queued by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted by the gateway"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    delivered_parts = models.PositiveSmallIntegerField(_("parts delivered"), default=0)
    gateway_reference = models.CharField(_("gateway reference"), max_length=64, blank=True)

    # An agent: the SMS to the agent's own clients or queued by the agent; site-scoped staff:
    # those of their sites' clients and those they queued; the rest: all.
    row_scope = RowScope(
        site="client__site",
        agent=("client__agent", "queued_by"),
        agents_see=AgentRows.OWN,
        staff_see_held=True,
    )

    class Meta:
        verbose_name = _("SMS")
        verbose_name_plural = _("SMS")
        ordering = ["-created_at"]
        permissions = [
            ("send_sms", _("Can send an SMS")),
            ("view_sms_cost", _("Can see what SMS cost")),
            ("resend_sms", _("Can send a failed SMS again")),
        ]
        indexes = [
            # the pump: a gateway's due messages, oldest first
            models.Index(
                fields=["gateway", "created_at", "id"],
                condition=models.Q(state__in=["queued", "sending"]),
                name="sms_pending_idx",
            ),
            models.Index(fields=["state", "-created_at"], name="sms_state_idx"),
            models.Index(fields=["campaign", "state"], name="sms_campaign_idx"),
            models.Index(fields=["client", "-created_at"], name="sms_client_idx"),
            models.Index(fields=["template", "-created_at"], name="sms_template_idx"),
            models.Index(fields=["phone"], name="sms_phone_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["source"], condition=~models.Q(source=""), name="sms_once_per_source"
            ),
            models.CheckConstraint(condition=models.Q(parts__gte=1), name="sms_parts_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.phone}: {self.text[:30]}"


class MessageEvent(models.Model):
    """A message's state history: one row per change, written with the change."""

    id = models.BigAutoField(primary_key=True)
    message = models.ForeignKey(
        Message, verbose_name=_("message"), on_delete=models.CASCADE, related_name="events"
    )
    state = models.CharField(_("state"), max_length=10, choices=MessageState.choices)
    note = ReaderTextField(_("note"), max_length=300, blank=True)
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("SMS state change")
        verbose_name_plural = _("SMS state changes")
        ordering = ["message", "id"]

    def __str__(self) -> str:
        return f"{self.message_id} {self.state}"


class InboundMessage(BaseModel):
    """An SMS a client sent to one of our SIMs (STOP/ACHA withdraws marketing consent)."""

    gateway = models.ForeignKey(
        Gateway, verbose_name=_("gateway"), on_delete=models.PROTECT, related_name="inbound"
    )
    phone = models.CharField(_("phone"), max_length=20)
    text = models.TextField(_("text"))
    received_at = models.DateTimeField(_("received at"))
    action = models.CharField(_("action taken"), max_length=120, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("inbound SMS")
        verbose_name_plural = _("inbound SMS")
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"{self.phone}: {self.text[:30]}"


class InboxReceipt(models.Model):
    """An SMS or delivery report read from a modem's SIM or a router's inbox and logged: its
    key (a hash of the stored PDU, or of the router's time stamp, number and text) is unique
    per gateway, so one read again — a crash came between logging it and deleting it from the
    SIM — is deleted without being logged twice."""

    gateway = models.ForeignKey(
        Gateway, verbose_name=_("gateway"), on_delete=models.CASCADE, related_name="+"
    )
    key = models.CharField(_("key"), max_length=40)
    logged_at = models.DateTimeField(_("logged at"), auto_now_add=True)

    class Meta:
        verbose_name = _("inbox receipt")
        verbose_name_plural = _("inbox receipts")
        constraints = [
            models.UniqueConstraint(fields=["gateway", "key"], name="inbox_receipt_unique")
        ]

    def __str__(self) -> str:
        return self.key


class WebhookReceipt(models.Model):
    """A webhook envelope already handled: a replay of the same envelope id does nothing."""

    envelope_id = models.CharField(_("envelope id"), max_length=100, primary_key=True)
    gateway = models.ForeignKey(
        Gateway, verbose_name=_("gateway"), on_delete=models.CASCADE, related_name="+"
    )
    event = models.CharField(_("event"), max_length=30)
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return self.envelope_id
