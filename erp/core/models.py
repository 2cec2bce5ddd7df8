"""The base every business record inherits."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _


class BaseModel(models.Model):
    """UUID key and timestamps for every business record.

    UUIDs let offline phones create records that merge without clashing. History is declared on
    each concrete model (``history = HistoricalRecords()``) rather than inherited, so that a model
    can keep secrets (a router password) out of its history table; a test checks that every
    subclass has it.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True
        ordering = ["-created_at"]
        get_latest_by = "created_at"


class EventDelivery(models.Model):
    """One subscriber's delivery of one announced domain event (erp.core.events).

    Written in the transaction that records the fact, so a reaction is never lost and never
    outlives a rolled-back fact; delivered after the commit, retried while it fails.
    """

    id = models.BigAutoField(primary_key=True)
    event = models.CharField(_("event"), max_length=100)
    key = models.CharField(_("key"), max_length=200, help_text=_("which occurrence"))
    handler = models.CharField(_("subscriber"), max_length=200)
    payload = models.JSONField(_("payload"), default=dict)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("event delivery")
        verbose_name_plural = _("event deliveries")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "key", "handler"], name="eventdelivery_once_per_subscriber"
            )
        ]
        indexes = [
            # the retry sweep: pending deliveries by due time
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(delivered_at__isnull=True),
                name="eventdelivery_pending_idx",
            )
        ]

    def __str__(self) -> str:
        state = "delivered" if self.delivered_at else f"pending ({self.attempts} attempts)"
        return f"{self.event} {self.key} → {self.handler}: {state}"
