"""What the database knows of routers: hotspot profiles and users to keep on them, status
events, and bounded samples of their figures."""

from __future__ import annotations

import re
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from erp.core import formats
from erp.core.models import BaseModel
from erp.core.texts import ReaderTextField

from .choices import RouterEventKind, RouterJobKind, RouterJobStatus, SyncState

# RouterOS rate-limit: rx/tx [burst-rx/burst-tx [threshold-rx/threshold-tx [time-rx/time-tx
# [priority [min-rx/min-tx]]]]], rates like 512k, 2M, 1G or plain bits per second.
_RATE = r"\d+(?:\.\d+)?[kKMG]?"
_PAIR = rf"{_RATE}(?:/{_RATE})?"
_TIME = r"\d+[smhd]?"
RATE_LIMIT_RE = re.compile(
    rf"^{_PAIR}(?: {_PAIR}(?: {_PAIR}(?: {_TIME}(?:/{_TIME})?(?: [1-8](?: {_PAIR})?)?)?)?)?$"
)


def validate_rate_limit(value: str) -> None:
    """MikroTik rate-limit syntax, checked before it reaches a router ('2M/2M', '512k/1M')."""
    if value and not RATE_LIMIT_RE.match(value):
        raise ValidationError(
            _("Use MikroTik rate-limit syntax, for example 2M/2M or 512k/1M."),
            code="invalid_rate_limit",
        )


class HotspotProfile(BaseModel):
    """A hotspot user profile kept on every router: speed, shared users, session timeout.

    Voucher packages map onto these (vouchers issue).
    """

    name = models.CharField(
        _("name"),
        max_length=64,
        unique=True,
        validators=[
            RegexValidator(r"^[A-Za-z0-9._-]+$", _("Use letters, digits, dot, dash, underscore."))
        ],
    )
    rate_limit = models.CharField(
        _("rate limit"),
        max_length=100,
        blank=True,
        validators=[validate_rate_limit],
        help_text=_("rx/tx as on the router, e.g. 2M/2M; empty for no limit."),
    )
    shared_users = models.PositiveSmallIntegerField(
        _("shared users"), default=1, validators=[MinValueValidator(1)]
    )
    session_timeout = models.PositiveIntegerField(
        _("session timeout (seconds)"), default=0, help_text=_("0: no timeout.")
    )
    is_active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("hotspot profile")
        verbose_name_plural = _("hotspot profiles")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def router_attributes(self) -> dict[str, str]:
        return {
            "name": self.name,
            "rate-limit": self.rate_limit,
            "shared-users": str(self.shared_users),
            "session-timeout": f"{self.session_timeout}s",
        }


class HotspotUser(models.Model):
    """A hotspot user as it should be on one router, and how far the router has caught up.

    This table is the outbox of router pushes: a change sets ``sync_state`` to pending and the
    push reconciles pending rows, so a router that was down ends consistent once it is back.
    Not a BaseModel (no history table): at millions of rows the history lives on the voucher.
    """

    router = models.ForeignKey(
        "sites.Router",
        verbose_name=_("router"),
        on_delete=models.PROTECT,
        related_name="hotspot_users",
    )
    name = models.CharField(_("name"), max_length=64)
    password = models.CharField(_("password"), max_length=64, blank=True)
    profile = models.CharField(_("profile"), max_length=64, default="default")
    disabled = models.BooleanField(_("disabled"), default=False)
    removed = models.BooleanField(_("removed"), default=False)
    limit_uptime = models.PositiveIntegerField(_("uptime limit (s)"), null=True, blank=True)
    limit_bytes_total = models.PositiveBigIntegerField(
        _("data limit (bytes)"), null=True, blank=True
    )
    comment = models.CharField(_("comment"), max_length=100, blank=True)
    router_item_id = models.CharField(_("router .id"), max_length=16, blank=True)
    sync_state = models.CharField(
        _("sync state"), max_length=8, choices=SyncState.choices, default=SyncState.PENDING
    )
    last_error = ReaderTextField(_("last error"), max_length=300, blank=True)
    synced_at = models.DateTimeField(_("synced at"), null=True, blank=True)
    uptime_seconds = models.PositiveBigIntegerField(_("uptime (s)"), default=0)
    bytes_in = models.PositiveBigIntegerField(_("bytes in"), default=0)
    bytes_out = models.PositiveBigIntegerField(_("bytes out"), default=0)
    usage_at = models.DateTimeField(_("usage read at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("hotspot user")
        verbose_name_plural = _("hotspot users")
        ordering = ["router", "name"]
        constraints = [
            models.UniqueConstraint(fields=["router", "name"], name="hotspot_user_unique_name"),
        ]
        indexes = [
            models.Index(fields=["router", "sync_state"], name="hotspot_user_sync_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    def router_attributes(self) -> dict[str, str]:
        attrs = {
            "name": self.name,
            "password": self.password,
            "profile": self.profile,
            "disabled": "yes" if self.disabled else "no",
            "comment": self.comment,
            "limit-uptime": f"{self.limit_uptime or 0}s",
            "limit-bytes-total": str(self.limit_bytes_total or 0),
        }
        if self.router.hotspot_server and self.router.hotspot_server != "all":
            attrs["server"] = self.router.hotspot_server
        return attrs


class RouterEvent(models.Model):
    """A router going down or coming back up: one row per transition, never per poll."""

    router = models.ForeignKey(
        "sites.Router", verbose_name=_("router"), on_delete=models.CASCADE, related_name="events"
    )
    kind = models.CharField(_("kind"), max_length=8, choices=RouterEventKind.choices)
    at = models.DateTimeField(_("at"), db_index=True)
    message = ReaderTextField(_("message"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("router event")
        verbose_name_plural = _("router events")
        ordering = ["-at"]
        indexes = [models.Index(fields=["router", "-at"], name="router_event_router_at_idx")]

    def __str__(self) -> str:
        return f"{self.router} {self.kind} at {formats.date_time(self.at)}"


class RouterSample(models.Model):
    """Figures read from a router at one moment, for charts; pruned after a retention period."""

    router = models.ForeignKey(
        "sites.Router", verbose_name=_("router"), on_delete=models.CASCADE, related_name="samples"
    )
    taken_at = models.DateTimeField(_("taken at"))
    active_users = models.PositiveIntegerField(_("active users"), null=True, blank=True)
    rx_bytes = models.PositiveBigIntegerField(_("received bytes"), null=True, blank=True)
    tx_bytes = models.PositiveBigIntegerField(_("sent bytes"), null=True, blank=True)
    cpu_load = models.PositiveSmallIntegerField(_("CPU load %"), null=True, blank=True)
    free_memory = models.PositiveBigIntegerField(_("free memory"), null=True, blank=True)
    uptime_seconds = models.PositiveBigIntegerField(_("uptime (s)"), null=True, blank=True)
    # /system/identity at that moment: a different one later means another (or a reset) router
    identity = models.CharField(_("identity"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("router sample")
        verbose_name_plural = _("router samples")
        ordering = ["-taken_at"]
        indexes = [
            models.Index(fields=["router", "-taken_at"], name="router_sample_router_at_idx"),
            models.Index(fields=["taken_at"], name="router_sample_taken_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.router} at {self.taken_at:%Y-%m-%d %H:%M}"


class RouterJob(models.Model):
    """One router call asked for from a page or the API, run by a worker.

    The request that asks only writes this row and queues the task, then answers at once (202
    with this job's status URL, or a page that polls it): a router that is silent for its whole
    timeout holds a worker, never a web process. The row is the result store too, so polling
    works on every broker (no Celery result backend needed).
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    router = models.ForeignKey(
        "sites.Router", verbose_name=_("router"), on_delete=models.CASCADE, related_name="jobs"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=RouterJobKind.choices)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=8, choices=RouterJobStatus.choices, default=RouterJobStatus.QUEUED
    )
    result = models.JSONField(_("result"), null=True, blank=True)
    error = ReaderTextField(_("error"), max_length=500, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("router job")
        verbose_name_plural = _("router jobs")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["router", "kind", "status"], name="router_job_open_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.router} ({self.get_status_display()})"

    @property
    def finished(self) -> bool:
        return self.status in {RouterJobStatus.DONE, RouterJobStatus.FAILED}


class RouterCircuit(models.Model):
    """Per router: whether a push is queued (so beat queues at most one), and a circuit breaker
    that stops workers waiting on a router that does not answer.

    After ROUTER_BREAKER_FAILURES failures in a row the circuit opens: beat queues no push and
    no health poll for it until ``retry_at``; then one caller claims a probe (half-open). The
    probe's success closes the circuit; its failure opens it again for twice as long, up to
    ROUTER_BREAKER_MAX_COOLDOWN.
    """

    router = models.OneToOneField(
        "sites.Router",
        verbose_name=_("router"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="circuit",
    )
    failures = models.PositiveIntegerField(_("failures in a row"), default=0)
    last_failure = ReaderTextField(_("last failure"), max_length=300, blank=True)
    opened_at = models.DateTimeField(_("open since"), null=True, blank=True)
    retry_at = models.DateTimeField(_("next try"), null=True, blank=True)
    push_queued_at = models.DateTimeField(_("push queued at"), null=True, blank=True)

    class Meta:
        verbose_name = _("router circuit")
        verbose_name_plural = _("router circuits")

    def __str__(self) -> str:
        return f"{self.router_id}: {'open' if self.opened_at else 'closed'}"

    @property
    def is_open(self) -> bool:
        return self.opened_at is not None
