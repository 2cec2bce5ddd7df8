"""Router status and health: up/down with its event, connection tests, samples, and the
convergence after a router was reset."""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from erp.core import events
from erp.core.texts import Text, text_of
from erp.sites.choices import RouterStatus
from erp.sites.models import Router

from .. import selectors
from ..choices import (
    HOTSPOT_USERS,
    RouterEventKind,
    SyncState,
)
from ..client import RouterClient
from ..durations import parse_uptime
from ..events import ROUTER_STATUS_CHANGED
from ..exceptions import RouterError
from ..models import (
    HotspotUser,
    RouterEvent,
    RouterSample,
)
from .circuit import circuit_failure, circuit_success
from .hotspot_users import _int

log = logging.getLogger(__name__)


# --- status -----------------------------------------------------------------------------------
def record_status(router: Router, *, up: bool, message: str = "") -> bool:
    """Record a poll's verdict; create a RouterEvent only when the status changes.

    The row is locked so two polls at once cannot both see a change and log two events.
    Returns True when the status changed.
    """
    now = timezone.now()
    event = None
    with transaction.atomic():
        current = Router.objects.select_for_update().only("status").get(pk=router.pk)
        new_status = RouterStatus.UP if up else RouterStatus.DOWN
        changed = current.status != new_status
        fields: dict[str, Any] = {"status": new_status, "last_error": "" if up else message}
        if up:
            fields["last_seen_at"] = now
        if changed:
            fields["status_changed_at"] = now
            event = RouterEvent.objects.create(
                router_id=router.pk,
                kind=RouterEventKind.UP if up else RouterEventKind.DOWN,
                at=now,
                message=message,
            )
            # maintenance reacts after the commit: its failure never loses the status
            events.announce(
                ROUTER_STATUS_CHANGED,
                key=str(event.pk),
                router_event_id=str(event.pk),
                kind=event.kind,
            )
        Router.objects.filter(pk=router.pk).update(**fields)
    for name, value in fields.items():
        setattr(router, name, value)
    if changed:
        log.info("router %s is %s", router.pk, new_status)
    return changed


@dataclass
class ConnectionReport:
    ok: bool
    identity: str = ""
    version: str = ""
    board: str = ""
    cpu_load: int | None = None
    uptime: str = ""
    free_memory: int | None = None
    total_memory: int | None = None
    error: str = ""
    detail: str = ""  # address and cause: the operator's command and the log only

    def as_dict(self) -> dict[str, Any]:
        """What a person may see: everything but `detail`."""
        data = asdict(self)
        data.pop("detail")
        return data


def test_connection(router: Router) -> ConnectionReport:
    """Connect, read identity and resource; record the router up or down accordingly.

    Also the router's continuity check (every minute from beat): an identity other than last
    time, or an uptime that went backwards, may be a reset or replaced router; see
    _converge_after_reset.
    """
    previous = selectors.last_reading(router)
    on_router: int | None = None
    try:
        with RouterClient(router) as client:
            identity = client.identity()
            resource = client.resource()
            uptime = parse_uptime(resource.get("uptime") or "0s")
            suspicion = _reset_suspected(previous, identity, uptime)
            if suspicion:
                on_router = _int(client.call(HOTSPOT_USERS, "print", {"count-only": ""})[1]) or 0
    except RouterError as exc:
        log.info("router %s test failed: %s", router.pk, exc.detail)
        record_status(router, up=False, message=text_of(exc))
        circuit_failure(router, text_of(exc))
        return ConnectionReport(ok=False, error=text_of(exc), detail=exc.detail)
    record_status(router, up=True)
    circuit_success(router)
    _store_sample(router, resource=resource, identity=identity)
    if suspicion:
        _converge_after_reset(
            router,
            suspicion,
            on_router=on_router or 0,
            replaced=suspicion.msgid == IDENTITY_CHANGED,
        )
    return ConnectionReport(
        ok=True,
        identity=identity,
        version=resource.get("version", ""),
        board=resource.get("board-name", ""),
        cpu_load=_int(resource.get("cpu-load")),
        uptime=resource.get("uptime", ""),
        free_memory=_int(resource.get("free-memory")),
        total_memory=_int(resource.get("total-memory")),
    )


IDENTITY_CHANGED = gettext_noop("identity changed from “%(before)s” to “%(after)s”")


def _reset_suspected(previous: RouterSample | None, identity: str, uptime: int) -> Text | None:
    """Why this reading may be another router, or the same one reset (None: no reason)."""
    if previous is None:
        return None
    if previous.identity and identity != previous.identity:
        return Text(IDENTITY_CHANGED, before=previous.identity, after=identity)
    if previous.uptime_seconds is not None and uptime < previous.uptime_seconds:
        return Text(
            gettext_noop("uptime went back from %(before)s s to %(after)s s"),
            before=previous.uptime_seconds,
            after=uptime,
        )
    return None


def _converge_after_reset(router: Router, reason: Text, *, on_router: int, replaced: bool) -> int:
    """A router that may have been reset or replaced gets our users back.

    The ids we stored mean nothing on another router, or on one reset (it hands them out again
    from the start), so a replaced router's ids are dropped and every user of ours is pushed
    again. A plain reboot keeps its users: only when the router holds fewer users than we have
    on it is everything pushed again (the push adds what is missing and finds the rest by
    name). Recorded as a router event. Returns the number of users queued again.
    """
    ours = HotspotUser.objects.filter(router=router, removed=False)
    synced = ours.filter(sync_state=SyncState.SYNCED).count()
    if not replaced and on_router >= synced:
        return 0  # rebooted with everything still there
    queued = ours.update(router_item_id="", sync_state=SyncState.PENDING, last_error="")
    message = Text(
        gettext_noop(
            "%(reason)s; %(on_router)s hotspot users on it, %(synced)s expected; "
            "%(queued)s queued again"
        ),
        reason=reason,
        on_router=on_router,
        synced=synced,
        queued=queued,
    )
    RouterEvent.objects.create(
        router_id=router.pk, kind=RouterEventKind.RESET, at=timezone.now(), message=message
    )
    log.warning("router %s looks reset or replaced: %s", router.pk, message)
    return queued


def poll_health(router: Router) -> bool:
    """The every-minute check: is the router answering? Returns its verdict."""
    return test_connection(router).ok


def _store_sample(
    router: Router,
    *,
    resource: dict[str, str] | None = None,
    identity: str = "",
    active_users: int | None = None,
    rx: int | None = None,
    tx: int | None = None,
) -> RouterSample:
    resource = resource or {}
    uptime = resource.get("uptime")
    return RouterSample.objects.create(
        router=router,
        taken_at=timezone.now(),
        active_users=active_users,
        rx_bytes=rx,
        tx_bytes=tx,
        cpu_load=_int(resource.get("cpu-load")),
        free_memory=_int(resource.get("free-memory")),
        uptime_seconds=parse_uptime(uptime) if uptime else None,
        identity=identity[:100],
    )


def prune_samples(*, older_than_days: int | None = None) -> int:
    days = older_than_days if older_than_days is not None else settings.ROUTER_SAMPLE_RETENTION_DAYS
    cutoff = timezone.now() - timedelta(days=days)
    deleted, _ = RouterSample.objects.filter(taken_at__lt=cutoff).delete()
    return deleted
