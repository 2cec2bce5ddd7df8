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
