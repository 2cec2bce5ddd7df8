"""In-app notifications: a line of text and a link for one user, read or not."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from erp.core.models import BaseModel


class Notification(BaseModel):
    """Something a user should look at (a warranty ending, a fault to repair).

    Kept general on purpose: any app creates them through ``erp.notifications.services.notify``.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    text = models.CharField(_("text"), max_length=500)
    url = models.CharField(_("link"), max_length=500, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["user", "read_at", "-created_at"], name="notification_inbox_idx"),
        ]

    def __str__(self) -> str:
        return self.text


class Channels(BaseModel):
    """How a user wants to be told, besides in the app (always): chosen in My profile."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="notification_channels",
    )
    by_email = models.BooleanField(_("by e-mail"), default=False)
    by_sms = models.BooleanField(_("by SMS"), default=False)
    by_push = models.BooleanField(
        _("as a push notification on my devices"),
        default=True,
        help_text=_("On each device where you turned them on in the field app."),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("notification channels")
        verbose_name_plural = _("notification channels")
        ordering = ["user"]

    def __str__(self) -> str:
        return str(self.user)


class PushSubscription(BaseModel):
    """One device (browser, installed field app) that receives the user's Web Push
    notifications: the push service's endpoint and the device's public keys (RFC 8291)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="push_subscriptions",
    )
    endpoint = models.URLField(_("endpoint"), max_length=1000, unique=True)
    p256dh = models.CharField(_("device public key"), max_length=200)
    auth = models.CharField(_("authentication secret"), max_length=100)
    device = models.CharField(_("device"), max_length=300, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("push subscription")
        verbose_name_plural = _("push subscriptions")
        ordering = ["user", "-created_at"]

    def __str__(self) -> str:
        return self.device or self.endpoint[:60]
