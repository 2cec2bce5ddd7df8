"""Devices of the field app, the operations they pushed, the change feed they pull, conflicts.

A pushed operation is applied once: ``AppliedOperation`` is unique on (device, seq) and is
written in the same transaction as the operation's effect, so a replay finds it and returns the
stored result instead of applying again. The change feed (``ChangeLog``) is a server-side
sequence, not a clock: phones' clocks are wrong, a bigserial is not. Database triggers write it
(see the migration), so bulk writes (COPY, ``update()``) are in it as well as single saves.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from erp.core import formats
from erp.core.models import BaseModel
from erp.core.money import MoneyField
from erp.core.texts import ReaderTextField

from .choices import ConflictKind, Entity, Op, Outcome


class Device(models.Model):
    """One installation of the field app (a phone or a PC browser), made on the device.

    The id is the device's own UUID; it belongs to the first user who pushes from it, and a
    device id of another user is refused. ``last_seq`` is the last operation it applied (the
    next must be ``last_seq + 1``).
    """

    id = models.UUIDField(primary_key=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.PROTECT,
        related_name="sync_devices",
    )
    last_seq = models.PositiveBigIntegerField(_("last operation applied"), default=0)
    user_agent = models.CharField(_("browser"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("first seen"), auto_now_add=True)
    last_push_at = models.DateTimeField(_("last push"), null=True, blank=True)
    last_pull_at = models.DateTimeField(_("last pull"), null=True, blank=True)

    class Meta:
        verbose_name = _("device")
        verbose_name_plural = _("devices")
        ordering = ["-created_at"]
        permissions = [("use_field_app", _("Can sync the field app"))]

    def __str__(self) -> str:
        # whose device, which browser, since when: the device's UUID means nothing to a person
        return _("%(person)s's device (%(browser)s), first seen %(when)s") % {
            "person": formats.person(self.user),
            "browser": self.user_agent[:40] or _("unknown browser"),
            "when": formats.date(self.created_at),
        }


class AppliedOperation(models.Model):
    """An operation a device pushed, with the answer it got; unique per (device, seq).

    Rejected operations are stored too: a replay gets the same answer, and the sequence moves on
    (the device files the operation again, with a new seq, once its user fixed it).
    """

    id = models.BigAutoField(primary_key=True)
    device = models.ForeignKey(
        Device, verbose_name=_("device"), on_delete=models.PROTECT, related_name="operations"
    )
    seq = models.PositiveBigIntegerField(_("sequence number"))
    op = models.CharField(_("operation"), max_length=16)
    entity = models.CharField(_("entity"), max_length=16)
    entity_id = models.CharField(_("record id"), max_length=64, blank=True)
    fingerprint = models.CharField(_("fingerprint"), max_length=64)
    outcome = models.CharField(_("outcome"), max_length=8, choices=Outcome.choices)
    result = models.JSONField(_("answer"), default=dict)
    client_time = models.DateTimeField(_("device time"), null=True, blank=True)
    received_at = models.DateTimeField(_("received at"))

    class Meta:
        verbose_name = _("applied operation")
        verbose_name_plural = _("applied operations")
        ordering = ["device", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["device", "seq"], name="sync_op_once_per_device_seq")
        ]

    def __str__(self) -> str:
        return f"{self.device_id}#{self.seq} {self.op} {self.entity}: {self.outcome}"


class ChangeLog(models.Model):
    """One change to a record a device may hold, in server order (the pull cursor is ``id``).

    ``owner`` is the agent whose records it concerns (a voucher's holder, a client's or a sale's
    agent); a voucher that changes hands is logged for its old holder too, who receives a
    tombstone. Rows with neither owner nor site concern everyone (packages).
    """

    id = models.BigAutoField(primary_key=True)
    # The writing transaction's id on PostgreSQL (0 on SQLite, whose writers take turns): the
    # pull orders by (txid, id) and reads only below the oldest running transaction, so a row
    # that commits late is never skipped (ids are handed out in insert order, not commit order).
    txid = models.BigIntegerField(_("transaction"), default=0)
    entity = models.CharField(_("entity"), max_length=16, choices=Entity.choices)
    entity_id = models.CharField(_("record id"), max_length=64)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        null=True,
        blank=True,
        related_name="+",
    )
    site = models.ForeignKey(
        "sites.Site",
        verbose_name=_("site"),
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        null=True,
        blank=True,
        related_name="+",
    )
    deleted = models.BooleanField(_("deleted"), default=False)
    changed_at = models.DateTimeField(_("changed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("change")
        verbose_name_plural = _("changes")
        ordering = ["txid", "id"]
        indexes = [
            models.Index(fields=["txid", "id"], name="changelog_order_idx"),
            models.Index(fields=["owner", "txid", "id"], name="changelog_owner_idx"),
            models.Index(fields=["site", "txid", "id"], name="changelog_site_idx"),
            models.Index(fields=["entity", "entity_id"], name="changelog_entity_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.id} {self.entity} {self.entity_id}{' deleted' if self.deleted else ''}"


class Conflict(BaseModel):
    """Something a pushed operation could not do as the device believed, kept for a person.

    Client fields: the later edit (server receive order) won; ``server_value`` is what it
    overwrote. Money (a sale of a voucher voided, sold or moved meanwhile; a sale time out of
    range): the agent took cash, so Finance settles it; never dropped.
    """

    kind = models.CharField(_("kind"), max_length=24, choices=ConflictKind.choices)
    operation = models.ForeignKey(
        AppliedOperation,
        verbose_name=_("operation"),
        on_delete=models.PROTECT,
        related_name="conflicts",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.PROTECT,
        related_name="sync_conflicts",
    )
    entity = models.CharField(_("entity"), max_length=16, choices=Entity.choices)
    entity_id = models.CharField(_("record id"), max_length=64)
    field = models.CharField(_("field"), max_length=40, blank=True)
    server_value = models.JSONField(_("value on the server"), null=True, blank=True)
    device_value = models.JSONField(_("value from the device"), null=True, blank=True)
    amount = MoneyField(_("amount"), null=True, blank=True)
    detail = ReaderTextField(_("detail"), max_length=300)
    resolved_at = models.DateTimeField(_("settled at"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("settled by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    resolution = models.CharField(_("how it was settled"), max_length=300, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("sync conflict")
        verbose_name_plural = _("sync conflicts")
        ordering = ["-created_at"]
        indexes = [
            models.Index(
                fields=["kind", "-created_at"],
                condition=Q(resolved_at__isnull=True),
                name="conflict_open_idx",
            ),
            models.Index(fields=["user", "-created_at"], name="conflict_user_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.get_entity_display()} — {self.detail}"


__all__ = ["AppliedOperation", "ChangeLog", "Conflict", "Device", "Entity", "Op", "Outcome"]


class FeedPruned(models.Model):
    """How far the change feed was pruned: every row up to (txid, last_id) is gone. A device
    whose cursor is before it missed changes that no longer exist and must sync from scratch
    (the pull answers "cursor too old"). One row, id 1."""

    txid = models.BigIntegerField(_("transaction"), default=0)
    last_id = models.BigIntegerField(_("last change"), default=0)
    pruned_at = models.DateTimeField(_("pruned at"), null=True, blank=True)
    rows = models.BigIntegerField(_("rows pruned"), default=0)

    class Meta:
        verbose_name = _("change feed pruning")
        verbose_name_plural = _("change feed pruning")

    def __str__(self) -> str:
        return f"pruned to {self.txid}.{self.last_id}"
