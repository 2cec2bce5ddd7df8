"""Router operations, each a service: connect, check health, sync profiles, push hotspot users
(pipelined), change users, kick sessions, read usage and traffic, find and repair drift.

Every write to a router is idempotent: the desired state is in the database (HotspotUser,
HotspotProfile) and a push only moves the router towards it, so running one twice, or after a
dropped connection, adds nothing twice and loses nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from itertools import islice
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from erp.core import events
from erp.core.locks import held
from erp.sites.choices import RouterStatus
from erp.sites.models import Router

from . import selectors
from .choices import (
    HOTSPOT_ACTIVE,
    HOTSPOT_PROFILES,
    HOTSPOT_USERS,
    INTERFACES,
    RouterEventKind,
    RouterJobKind,
    RouterJobStatus,
    SyncState,
)
from .client import RouterClient
from .durations import parse_uptime
from .events import ROUTER_STATUS_CHANGED
from .exceptions import PushBusy, RouterAuthFailed, RouterError, RouterTrap, RouterUnreachable
from .models import HotspotUser, RouterCircuit, RouterEvent, RouterJob, RouterSample

log = logging.getLogger(__name__)

USER_PROPS = [
    "name",
    "password",
    "profile",
    "disabled",
    "comment",
    "limit-uptime",
    "limit-bytes-total",
]


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


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
        fields: dict[str, Any] = {"status": new_status, "last_error": "" if up else message[:500]}
        if up:
            fields["last_seen_at"] = now
        if changed:
            fields["status_changed_at"] = now
            event = RouterEvent.objects.create(
                router_id=router.pk,
                kind=RouterEventKind.UP if up else RouterEventKind.DOWN,
                at=now,
                message=message[:500],
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
        record_status(router, up=False, message=str(exc))
        circuit_failure(router, str(exc))
        return ConnectionReport(ok=False, error=str(exc), detail=exc.detail)
    record_status(router, up=True)
    circuit_success(router)
    _store_sample(router, resource=resource, identity=identity)
    if suspicion:
        _converge_after_reset(
            router, suspicion, on_router=on_router or 0, replaced=suspicion.startswith("identity")
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


def _reset_suspected(previous: RouterSample | None, identity: str, uptime: int) -> str:
    """Why this reading may be another router, or the same one reset ("": no reason)."""
    if previous is None:
        return ""
    if previous.identity and identity != previous.identity:
        return f"identity changed from {previous.identity!r} to {identity!r}"
    if previous.uptime_seconds is not None and uptime < previous.uptime_seconds:
        return f"uptime went back from {previous.uptime_seconds} s to {uptime} s"
    return ""


def _converge_after_reset(router: Router, reason: str, *, on_router: int, replaced: bool) -> int:
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
    message = f"{reason}; {on_router} hotspot users on it, {synced} expected; {queued} queued again"
    RouterEvent.objects.create(
        router_id=router.pk, kind=RouterEventKind.RESET, at=timezone.now(), message=message[:500]
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


# --- circuit breaker and push de-duplication ----------------------------------------------------
def _circuit(router: Router) -> RouterCircuit:
    return RouterCircuit.objects.get_or_create(router_id=router.pk)[0]


def _cooldown(failures: int) -> timedelta:
    over = max(0, failures - settings.ROUTER_BREAKER_FAILURES)
    seconds = settings.ROUTER_BREAKER_COOLDOWN * 2 ** min(over, 20)
    return timedelta(seconds=min(seconds, settings.ROUTER_BREAKER_MAX_COOLDOWN))


def circuit_failure(router: Router, message: str) -> RouterCircuit:
    """Count a failure to reach the router; open the circuit at ROUTER_BREAKER_FAILURES."""
    now = timezone.now()
    with transaction.atomic():
        _circuit(router)
        circuit = RouterCircuit.objects.select_for_update().get(pk=router.pk)
        circuit.failures += 1
        circuit.last_failure = message[:300]
        if circuit.failures >= settings.ROUTER_BREAKER_FAILURES:
            if circuit.opened_at is None:
                circuit.opened_at = now
                log.warning(
                    "router %s: circuit open after %d failures", router.pk, circuit.failures
                )
            circuit.retry_at = now + _cooldown(circuit.failures)
        circuit.save(update_fields=["failures", "last_failure", "opened_at", "retry_at"])
    return circuit


def circuit_success(router: Router) -> None:
    """The router answered: close its circuit (one UPDATE, and only when there is something
    to clear)."""
    closed = (
        RouterCircuit.objects.filter(pk=router.pk)
        .filter(models.Q(failures__gt=0) | models.Q(opened_at__isnull=False))
        .update(failures=0, last_failure="", opened_at=None, retry_at=None)
    )
    if closed:
        log.info("router %s: circuit closed", router.pk)


def circuit_allows(router: Router) -> bool:
    """May a background task talk to this router now? Yes while the circuit is closed; while
    it is open, only the one caller that claims the probe once ``retry_at`` has passed (the
    claim moves ``retry_at`` on, so two workers never probe at once)."""
    circuit = _circuit(router)
    if not circuit.is_open:
        return True
    now = timezone.now()
    return bool(
        RouterCircuit.objects.filter(
            pk=router.pk, opened_at__isnull=False, retry_at__lte=now
        ).update(retry_at=now + _cooldown(circuit.failures + 1))
    )


def routers_open_now() -> models.QuerySet:
    """Ids of routers whose circuit is open and not yet due for a probe."""
    return RouterCircuit.objects.filter(
        opened_at__isnull=False, retry_at__gt=timezone.now()
    ).values("router_id")


def claim_push(router: Router) -> bool:
    """True when the caller should queue a push of this router: none is queued, or the one
    queued is older than a task can live (its message was lost). At most one push message per
    router waits in the queue, however often beat and sales ask."""
    now = timezone.now()
    stale = now - timedelta(seconds=settings.ROUTER_PUSH_QUEUED_STALE)
    _circuit(router)
    return bool(
        RouterCircuit.objects.filter(pk=router.pk)
        .filter(models.Q(push_queued_at__isnull=True) | models.Q(push_queued_at__lt=stale))
        .update(push_queued_at=now)
    )


def push_started(router: Router) -> None:
    """The queued push is running: a change from now on may queue the next one."""
    RouterCircuit.objects.filter(pk=router.pk).update(push_queued_at=None)


# --- profiles ---------------------------------------------------------------------------------
@dataclass
class ProfileSyncReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    # the walled garden's hosts this sync added / removed (see sync_walled_garden)
    walled_garden_added: list[str] = field(default_factory=list)
    walled_garden_removed: list[str] = field(default_factory=list)


def sync_profiles(router: Router) -> ProfileSyncReport:
    """Make the router's hotspot user profiles match ours (add missing, fix differing)."""
    report = ProfileSyncReport()
    with RouterClient(router) as client:
        on_router = {p["name"]: p for p in client.print(HOTSPOT_PROFILES)}
        for profile in selectors.profiles_for_router(router):
            wanted = profile.router_attributes()
            existing = on_router.get(profile.name)
            if existing is None:
                client.add(HOTSPOT_PROFILES, **wanted)
                report.added.append(profile.name)
                continue
            differs = {
                k: v
                for k, v in wanted.items()
                if k != "name" and _normalise(k, existing.get(k, "")) != _normalise(k, v)
            }
            if differs:
                client.set(HOTSPOT_PROFILES, existing["id"], **differs)
                report.updated.append(profile.name)
            else:
                report.unchanged.append(profile.name)
        report.walled_garden_added, report.walled_garden_removed = _sync_walled_garden(client)
    return report


# --- walled garden ----------------------------------------------------------------------------
WALLED_GARDEN = "/ip/hotspot/walled-garden"
# Our entries carry this comment: the sync adds and removes only these, never the owner's own.
WALLED_GARDEN_COMMENT = "viornet portal"

# Hosts a customer's device must reach before it is logged in, beside this ERP's own host:
# the apps above this one (the portal, for its payment providers' pages) register a function
# here at start-up, so this layer never imports them.
walled_garden_sources: list[Callable[[], Iterable[str]]] = []


def wanted_walled_garden() -> list[str]:
    """The hosts every hotspot must let through unauthenticated: the ERP's (PUBLIC_BASE_URL,
    where the portal is) and those the registered sources name."""
    from urllib.parse import urlsplit

    hosts: set[str] = set()
    public = urlsplit(settings.PUBLIC_BASE_URL or "").hostname
    if public:
        hosts.add(public)
    for source in walled_garden_sources:
        hosts.update(host.strip().lower() for host in source() if host and host.strip())
    return sorted(hosts)


def _walled_garden_rows(client: RouterClient) -> tuple[set[str], dict[str, str]]:
    """The hosts the router lets through (any enabled allow entry, ours or the owner's) and
    our own entries by host (host -> id)."""
    allowed: set[str] = set()
    ours: dict[str, str] = {}
    for row in client.print(WALLED_GARDEN):
        host = (row.get("dst-host") or "").lower()
        if not host:
            continue
        if row.get("comment") == WALLED_GARDEN_COMMENT:
            ours[host] = row["id"]
        if row.get("action", "allow") == "allow" and row.get("disabled") not in {"true", "yes"}:
            allowed.add(host)
    return allowed, ours


def _sync_walled_garden(client: RouterClient) -> tuple[list[str], list[str]]:
    wanted = wanted_walled_garden()
    allowed, ours = _walled_garden_rows(client)
    added = [host for host in wanted if host not in allowed]
    for host in added:
        client.add(
            WALLED_GARDEN, **{"dst-host": host, "action": "allow"}, comment=WALLED_GARDEN_COMMENT
        )
    removed = sorted(host for host in ours if host not in wanted)
    for host in removed:
        client.remove(WALLED_GARDEN, ours[host])
    return added, removed


def walled_garden_drift(router: Router) -> tuple[list[str], list[str]]:
    """(wanted hosts the router does not let through, our entries no longer wanted)."""
    with RouterClient(router) as client:
        allowed, ours = _walled_garden_rows(client)
    wanted = wanted_walled_garden()
    return (
        [host for host in wanted if host not in allowed],
        sorted(host for host in ours if host not in wanted),
    )


def _normalise(key: str, value: str) -> str:
    if key in {"session-timeout", "limit-uptime"}:
        return str(parse_uptime(value or "0s"))
    if key == "disabled":
        return "true" if value in {"yes", "true"} else "false"
    return value or ""


# --- hotspot users ----------------------------------------------------------------------------
@dataclass
class PushReport:
    added: int = 0
    updated: int = 0
    removed: int = 0
    failed: int = 0
    remaining: int = 0


def push_lock_name(router: Router) -> str:
    """The lock held while a push or a drift repair talks to the router (see erp.core.locks)."""
    return f"router-push:{router.pk}"


def push_pending_users(
    router: Router,
    *,
    batch_size: int | None = None,
    progress: Callable[[PushReport], None] | None = None,
) -> PushReport:
    """Bring the router in line with every pending HotspotUser of it, pipelined.

    New users are added with one `add` each, sent without waiting for each reply. A user the
    router already has (an earlier push that was cut before its reply came back) answers with
    the duplicate trap; those are looked up by name in one pipelined pass and fixed with `set`
    if they differ. Acknowledged rows are saved as synced window by window, so a dropped
    connection loses nothing and the next push resumes where this one stopped.

    One push per router at a time: the push holds the router's lock (erp.core.locks), which
    dies with the process holding it; a second push meanwhile raises PushBusy (retried).

    ``progress`` is called after each batch of users (the batch job beats its heartbeat). Once
    rows changed, ``users_pushed`` is announced (voucher batches recount from the rows), even
    when the connection dropped half way.
    """
    with held(push_lock_name(router)) as locked:
        if not locked:
            raise PushBusy("another push to this router is running; retry later")
        try:
            report = _push_pending_locked(router, batch_size=batch_size, progress=progress)
        except (RouterUnreachable, RouterAuthFailed) as exc:
            circuit_failure(router, str(exc))
            raise
        circuit_success(router)
        return report


def _push_pending_locked(
    router: Router,
    *,
    batch_size: int | None = None,
    progress: Callable[[PushReport], None] | None = None,
) -> PushReport:
    """push_pending_users, its caller holding the router's push lock."""
    batch_size = batch_size or settings.ROUTER_PUSH_BATCH
    report = PushReport()
    try:
        with RouterClient(router) as client:
            # the users of sold vouchers first (customers are waiting on them), then the rest
            for sold_only in (True, False):
                while True:
                    batch = selectors.pending_users(router, batch_size, sold_only=sold_only)
                    if not batch:
                        break
                    _push_batch(client, batch, report)
                    if progress is not None:
                        progress(report)
                    if len(batch) < batch_size:
                        break
    finally:
        if report.added or report.updated or report.removed or report.failed:
            _announce_push(router)
    report.remaining = HotspotUser.objects.filter(
        router=router, sync_state=SyncState.PENDING
    ).count()
    return report


def _announce_push(router: Router) -> None:
    from .signals import users_pushed

    for receiver, result in users_pushed.send_robust(sender=Router, router_id=router.pk):
        if isinstance(result, Exception):
            log.error("after a push to router %s, %s failed: %r", router.pk, receiver, result)


def _push_batch(client: RouterClient, batch: list[HotspotUser], report: PushReport) -> None:
    """One batch of pending users: at most one command per user unless a conflict needs a
    look-up. Acknowledged rows are saved as they come (see _Recorder)."""
    recorder = _Recorder()
    try:
        removing = [u for u in batch if u.removed]
        known = [u for u in batch if not u.removed and u.router_item_id]
        new = [u for u in batch if not u.removed and not u.router_item_id]

        # Users we pushed before: a stored .id is only a hint. A router that was reset or
        # replaced hands the same ids to other users, so each id is looked up again by name
        # (pipelined) and a `set` only ever goes to the row holding that name.
        _refresh_ids(client, known)
        lost = [u for u in known if not u.router_item_id]  # gone from the router: add again
        known = [u for u in known if u.router_item_id]
        for user, reply in _each(
            client, "set", known, lambda u: {"id": u.router_item_id, **u.router_attributes()}
        ):
            if reply.ok:
                recorder.done(user)
                report.updated += 1
            elif "no such item" in reply.error:
                lost.append(user)  # removed by hand since the look-up: add it again
            else:
                recorder.failed(user, reply.error)
                report.failed += 1

        # New users, and lost ones: add.
        conflicts: list[HotspotUser] = []
        for user, reply in _each(client, "add", new + lost, lambda u: u.router_attributes()):
            if reply.ok:
                user.router_item_id = reply.ret
                recorder.done(user)
                report.added += 1
            elif "already have" in reply.error:
                conflicts.append(user)  # added by a push whose reply never came back
            else:
                recorder.failed(user, reply.error)
                report.failed += 1

        # Conflicts: find the router's id by name, then set.
        found = _ids_by_name(client, conflicts)
        for user in conflicts:
            user.router_item_id = found.get(user.name, "")
        for user, reply in _each(
            client,
            "set",
            [u for u in conflicts if u.router_item_id],
            lambda u: {"id": u.router_item_id, **u.router_attributes()},
        ):
            if reply.ok:
                recorder.done(user)
                report.updated += 1
            else:
                recorder.failed(user, reply.error)
                report.failed += 1

        # Removals: by the id the router holds for the name now; already gone counts as done.
        _refresh_ids(client, removing)
        for user in removing:
            if not user.router_item_id:
                recorder.done(user)
        for user, reply in _each(
            client,
            "remove",
            [u for u in removing if u.router_item_id],
            lambda u: {"id": u.router_item_id},
        ):
            if reply.ok or "no such item" in reply.error:
                user.router_item_id = ""
                recorder.done(user)
                report.removed += 1
            else:
                recorder.failed(user, reply.error)
                report.failed += 1
    finally:
        recorder.flush()


class _Recorder:
    """Saves acknowledged and refused rows in bulk, every 1,000 and at the end (even when the
    connection drops half way)."""

    def __init__(self) -> None:
        self._done: list[HotspotUser] = []
        self._failed: list[HotspotUser] = []

    def done(self, user: HotspotUser) -> None:
        user.sync_state, user.synced_at, user.last_error = SyncState.SYNCED, timezone.now(), ""
        self._done.append(user)
        if len(self._done) >= 1000:
            self.flush()

    def failed(self, user: HotspotUser, error: str) -> None:
        user.sync_state, user.last_error = SyncState.FAILED, error[:300]
        self._failed.append(user)

    def flush(self) -> None:
        # One UPDATE for the fields every acknowledged row shares; bulk_update only for the
        # router ids, in small batches (its CASE grows with the batch, its cost with the square).
        # Both in one transaction: a process killed between them must not leave rows marked
        # synced without their router id.
        if self._done:
            with transaction.atomic():
                HotspotUser.objects.filter(pk__in=[u.pk for u in self._done]).update(
                    sync_state=SyncState.SYNCED, synced_at=timezone.now(), last_error=""
                )
                HotspotUser.objects.bulk_update(self._done, ["router_item_id"], batch_size=100)
            self._done = []
        if self._failed:
            HotspotUser.objects.bulk_update(
                self._failed, ["sync_state", "last_error"], batch_size=100
            )
            self._failed = []


def _each(client: RouterClient, verb: str, users: list[HotspotUser], args) -> Iterable:
    """Pipeline one command per user; yield (user, reply)."""
    if not users:
        return
    for reply in client.pipeline(HOTSPOT_USERS, verb, (args(u) for u in users)):
        yield users[reply.index], reply


def _refresh_ids(client: RouterClient, users: list[HotspotUser]) -> None:
    """Set each user's router_item_id to the id the router holds for its name now ("" when
    the router has no user by that name)."""
    found = _ids_by_name(client, users)
    for user in users:
        user.router_item_id = found.get(user.name, "")


def _ids_by_name(client: RouterClient, users: list[HotspotUser]) -> dict[str, str]:
    """Router ids of users by name: a pipelined `print ?name=` each, or one print for many."""
    if not users:
        return {}
    if len(users) > 2000:
        wanted = {u.name for u in users}
        rows = client.print(HOTSPOT_USERS, proplist=[".id", "name"])
        return {r["name"]: r["id"] for r in rows if r.get("name") in wanted}
    found: dict[str, str] = {}
    calls = (({"proplist": ".id,name"}, {"name": u.name}) for u in users)
    for reply in client.pipeline(HOTSPOT_USERS, "print", calls):
        for row in reply.rows:
            found[row["name"]] = row["id"]
    return found


# --- desired-state changes (the push applies them) ---------------------------------------------
@dataclass(frozen=True)
class HotspotUserSpec:
    """A hotspot user to create; the vouchers module builds these from voucher codes."""

    name: str
    password: str = ""
    profile: str = "default"
    limit_uptime: int | None = None
    limit_bytes_total: int | None = None
    comment: str = ""


def queue_hotspot_users(
    router: Router, specs: Iterable[HotspotUserSpec], *, batch_size: int = 5000
) -> int:
    """Store users to push (pending) in bulk; a name already queued for the router is skipped."""
    specs = iter(specs)
    created = 0
    while chunk := list(islice(specs, batch_size)):  # bounded memory at 100,000 users
        rows = [
            HotspotUser(
                router=router,
                name=s.name,
                password=s.password or s.name,
                profile=s.profile,
                limit_uptime=s.limit_uptime,
                limit_bytes_total=s.limit_bytes_total,
                comment=s.comment,
            )
            for s in chunk
        ]
        created += len(
            HotspotUser.objects.bulk_create(rows, batch_size=batch_size, ignore_conflicts=True)
        )
    return created


def change_hotspot_users(users: Iterable[HotspotUser], **changes: Any) -> int:
    """Change the desired state (disabled, profile, comment, limits, removed) and mark pending.
    ``users``: hotspot users, or a queryset of them (then updated in one statement)."""
    allowed = {
        "disabled",
        "profile",
        "comment",
        "limit_uptime",
        "limit_bytes_total",
        "removed",
        "password",
    }
    unknown = set(changes) - allowed
    if unknown:
        raise TypeError(f"cannot change {sorted(unknown)}")
    if isinstance(users, models.QuerySet):  # one UPDATE, no read of the ids first
        return users.order_by().update(sync_state=SyncState.PENDING, last_error="", **changes)
    ids = [u.pk for u in users]
    return HotspotUser.objects.filter(pk__in=ids).update(
        sync_state=SyncState.PENDING, last_error="", **changes
    )


# --- reading the router -----------------------------------------------------------------------
def fetch_active_users(router: Router) -> list[dict[str, Any]]:
    """Sessions online now (the router's /ip/hotspot/active), and a sample of their count."""
    with RouterClient(router) as client:
        rows = client.print(HOTSPOT_ACTIVE)
    _store_sample(router, active_users=len(rows))
    return [
        {
            "id": r.get("id", ""),
            "user": r.get("user", ""),
            "address": r.get("address", ""),
            "mac_address": r.get("mac-address", ""),
            "uptime_seconds": parse_uptime(r.get("uptime", "0s")),
            "bytes_in": _int(r.get("bytes-in")) or 0,
            "bytes_out": _int(r.get("bytes-out")) or 0,
        }
        for r in rows
    ]


def kick_session(router: Router, session_id: str) -> None:
    """Disconnect one active session (the user can log in again)."""
    with RouterClient(router) as client:
        try:
            client.remove(HOTSPOT_ACTIVE, session_id)
        except RouterTrap as exc:
            if "no such item" not in exc.router_message:
                raise  # already gone is what we wanted


def hotspot_login(router: Router, *, user: str, password: str, mac: str, ip: str) -> None:
    """Log a device in on the router's hotspot as `user` (RouterOS
    ``/ip/hotspot/active/login``): the captive portal's server-side login, for a device whose
    browser cannot be trusted to post to the hotspot itself. Raises RouterTrap when the
    router refuses (wrong password, disabled user) and RouterUnreachable when it is down."""
    with RouterClient(router, timeout=min(settings.ROUTER_TIMEOUT, 5.0)) as client:
        client.call(
            HOTSPOT_ACTIVE,
            "login",
            {"user": user, "password": password, "mac-address": mac, "ip": ip},
        )


def fetch_usage(router: Router) -> int:
    """Read every user's uptime and bytes from the router into HotspotUser rows.

    One print for the router. Returns the number of rows whose figures changed. The vouchers
    module reads these to see first logins and reached limits.
    """
    with RouterClient(router) as client:
        rows = client.print(HOTSPOT_USERS, proplist=["name", "uptime", "bytes-in", "bytes-out"])
    figures = {
        r["name"]: (
            parse_uptime(r.get("uptime", "0s")),
            _int(r.get("bytes-in")) or 0,
            _int(r.get("bytes-out")) or 0,
        )
        for r in rows
        if r.get("name")
    }
    now = timezone.now()
    changed: list[HotspotUser] = []
    users = HotspotUser.objects.filter(router=router, removed=False).only(
        "pk", "name", "uptime_seconds", "bytes_in", "bytes_out"
    )
    for user in users.iterator(chunk_size=5000):
        got = figures.get(user.name)
        if got and got != (user.uptime_seconds, user.bytes_in, user.bytes_out):
            user.uptime_seconds, user.bytes_in, user.bytes_out = got
            user.usage_at = now
            changed.append(user)
    HotspotUser.objects.bulk_update(
        changed, ["uptime_seconds", "bytes_in", "bytes_out", "usage_at"], batch_size=1000
    )
    return len(changed)


def fetch_traffic(router: Router) -> dict[str, Any]:
    """Interface counters (bridges left out, they repeat their ports) and a stored sample."""
    with RouterClient(router) as client:
        rows = client.call(INTERFACES, "print", {"stats": ""})[0]
        active = int(client.call(HOTSPOT_ACTIVE, "print", {"count-only": ""})[1] or 0)
    interfaces = [
        {
            "name": r.get("name", ""),
            "type": r.get("type", ""),
            "running": r.get("running") == "true",
            "rx_bytes": _int(r.get("rx-byte")) or 0,
            "tx_bytes": _int(r.get("tx-byte")) or 0,
        }
        for r in rows
    ]
    physical = [i for i in interfaces if i["type"] != "bridge"]
    rx = sum(i["rx_bytes"] for i in physical)
    tx = sum(i["tx_bytes"] for i in physical)
    _store_sample(router, active_users=active, rx=rx, tx=tx)
    return {"interfaces": interfaces, "rx_bytes": rx, "tx_bytes": tx, "active_users": active}


# --- drift ------------------------------------------------------------------------------------
@dataclass
class DriftReport:
    """Where the router's hotspot users differ from ours, user names per kind of difference.

    Every attribute a push sets is compared (password, profile, limits, comment, disabled,
    and the hotspot server when the router has one): a password changed by hand on the router
    means a voucher that no longer logs in, so it is drift like a missing user."""

    unknown_on_router: list[str] = field(default_factory=list)
    missing_on_router: list[str] = field(default_factory=list)
    wrong_profile: list[str] = field(default_factory=list)
    disabled_differs: list[str] = field(default_factory=list)
    password_differs: list[str] = field(default_factory=list)
    limits_differ: list[str] = field(default_factory=list)
    comment_differs: list[str] = field(default_factory=list)
    server_differs: list[str] = field(default_factory=list)
    should_be_removed: list[str] = field(default_factory=list)
    # hosts, not users: the portal's walled garden (missing, or ours and no longer wanted)
    walled_garden_missing: list[str] = field(default_factory=list)
    walled_garden_extra: list[str] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not any(asdict(self).values())

    @property
    def differing(self) -> list[str]:
        """Users we have that the router holds with some attribute other than ours."""
        names: set[str] = set()
        for key in _DRIFT_FIELD.values():
            names.update(getattr(self, key))
        return sorted(names)

    def counts(self) -> dict[str, int]:
        return {key: len(names) for key, names in asdict(self).items() if names}

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "clean": self.clean}


# The router's attribute -> the report's list it lands in when it differs from ours.
_DRIFT_FIELD = {
    "profile": "wrong_profile",
    "disabled": "disabled_differs",
    "password": "password_differs",
    "limit-uptime": "limits_differ",
    "limit-bytes-total": "limits_differ",
    "comment": "comment_differs",
    "server": "server_differs",
}

# Each kind of drift in words, in the order pages, commands and notifications list them.
DRIFT_LABELS = {
    "missing_on_router": _("Ours, missing on the router"),
    "unknown_on_router": _("On the router, unknown to us"),
    "wrong_profile": _("Profile differs"),
    "disabled_differs": _("Enabled/disabled differs"),
    "password_differs": _("Password differs"),
    "limits_differ": _("Uptime or data limit differs"),
    "comment_differs": _("Comment differs"),
    "server_differs": _("Hotspot server differs"),
    "should_be_removed": _("Removed by us, still on the router"),
    "walled_garden_missing": _("Walled garden: portal host not allowed"),
    "walled_garden_extra": _("Walled garden: our entry no longer needed"),
}


def _same(key: str, on_router: str | None, ours: str) -> bool:
    if key == "limit-bytes-total":
        return (_int(on_router) or 0) == (_int(ours) or 0)
    return _normalise(key, on_router or "") == _normalise(key, ours)


def find_drift(router: Router) -> DriftReport:
    """Differences between the database and the router's hotspot users (one print)."""
    with RouterClient(router) as client:
        rows = client.print(HOTSPOT_USERS, proplist=[".id", "name", *_DRIFT_FIELD])
    on_router = {r["name"]: r for r in rows if r.get("name")}
    report = DriftReport()
    ours = HotspotUser.objects.filter(router=router).only(
        "name",
        "password",
        "profile",
        "disabled",
        "removed",
        "comment",
        "limit_uptime",
        "limit_bytes_total",
    )
    known: set[str] = set()
    for user in ours.iterator(chunk_size=5000):
        known.add(user.name)
        row = on_router.get(user.name)
        if user.removed:
            if row is not None:
                report.should_be_removed.append(user.name)
            continue
        if row is None:
            report.missing_on_router.append(user.name)
            continue
        user.router = router  # router_attributes reads the hotspot server from it
        wanted = user.router_attributes()
        kinds = {
            _DRIFT_FIELD[key]
            for key, value in wanted.items()
            if key in _DRIFT_FIELD and not _same(key, row.get(key), value)
        }
        for kind in kinds:
            getattr(report, kind).append(user.name)
    report.unknown_on_router = sorted(set(on_router) - known)
    report.walled_garden_missing, report.walled_garden_extra = walled_garden_drift(router)
    for values in asdict(report).values():
        values.sort()
    for key, values in asdict(report).items():
        setattr(report, key, values)
    return report


def repair_drift(router: Router, *, remove_unknown: bool = False) -> tuple[DriftReport, PushReport]:
    """Mark every drifted user pending and push; optionally remove users we do not know.

    Users on the router that the database does not know are left alone unless asked: they may
    be the owner's own logins made by hand on the router.
    """
    with held(push_lock_name(router)) as locked:
        if not locked:
            raise PushBusy("another push to this router is running; retry later")
        return _repair_drift(router, remove_unknown=remove_unknown)


def _repair_drift(router: Router, *, remove_unknown: bool) -> tuple[DriftReport, PushReport]:
    report = find_drift(router)
    missing = HotspotUser.objects.filter(router=router, name__in=report.missing_on_router)
    missing.update(router_item_id="", sync_state=SyncState.PENDING)
    HotspotUser.objects.filter(
        router=router, name__in=report.differing + report.should_be_removed
    ).update(sync_state=SyncState.PENDING)
    push = _push_pending_locked(router)
    if report.walled_garden_missing or report.walled_garden_extra:
        with RouterClient(router) as client:
            _sync_walled_garden(client)
    if remove_unknown and report.unknown_on_router:
        with RouterClient(router) as client:
            rows = client.print(HOTSPOT_USERS, proplist=[".id", "name"])
            ids = [r["id"] for r in rows if r.get("name") in set(report.unknown_on_router)]
            for reply in client.pipeline(HOTSPOT_USERS, "remove", ({"id": i} for i in ids)):
                if reply.ok:
                    push.removed += 1
    return report, push


def scheduled_drift_check(router: Router) -> RouterJob | None:
    """The daily drift check of one router (beat): find drift and, with
    ROUTER_DRIFT_AUTO_REPAIR, repair it, as a router job so the router's page shows its result
    like one an operator started. Whoever may operate the router is notified when it found
    drift (and what was repaired). Returns the finished job (None: one was already running).
    """
    kind = (
        RouterJobKind.DRIFT_REPAIR
        if settings.ROUTER_DRIFT_AUTO_REPAIR
        else (RouterJobKind.DRIFT_CHECK)
    )
    job, created = open_job(router, kind)
    if not created:
        return None
    job = run_job(job.pk)
    if job is not None and job.status == RouterJobStatus.DONE:
        report = job.result.get("before", job.result)
        if not report.get("clean", True):
            _notify_drift(router, job)
    return job


def _notify_drift(router: Router, job: RouterJob) -> None:
    from django.contrib.auth import get_user_model
    from django.db.models import Q

    from erp.accounts.roles import Role
    from erp.notifications.services import notify
    from erp.sites.selectors import routers_visible_to

    before = job.result.get("before", job.result)
    found = ", ".join(
        f"{DRIFT_LABELS[key]}: {len(before[key])}" for key in DRIFT_LABELS if before.get(key)
    )
    if job.kind == RouterJobKind.DRIFT_REPAIR:
        push = job.result["push"]
        text = _(
            "Router %(router)s had drifted from the database (%(found)s); repaired: "
            "%(added)d added, %(updated)d updated, %(removed)d removed, %(failed)d failed."
        ) % {"router": router.name, "found": found, **push}
    else:
        text = _("Router %(router)s has drifted from the database: %(found)s.") % {
            "router": router.name,
            "found": found,
        }
    perm = Q(groups__permissions__codename="operate_router") | Q(
        user_permissions__codename="operate_router"
    )
    candidates = (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(perm | Q(groups__name=Role.SUPER_ADMIN))
        .distinct()
    )
    users = [u for u in candidates if routers_visible_to(u).filter(pk=router.pk).exists()]
    if users:
        notify(users=users, text=text, url=f"/network/router/{router.pk}/job/{job.pk}/")
    log.warning("router %s drift: %s", router.pk, found)


# --- router jobs: calls asked for from a page or the API, run by a worker ----------------------
def open_job(
    router: Router, kind: str, *, actor: Any = None, params: dict[str, Any] | None = None
) -> tuple[RouterJob, bool]:
    """The job for this call on this router: one still open, or a new one (then True).

    Reusing an open job is what keeps a silent router from eating workers: eight clicks on
    *Test connection* make one job, not eight workers each waiting ROUTER_TIMEOUT. A job open
    for longer than ROUTER_JOB_STALE_SECONDS is lost (its worker died) and not reused. The
    router row is locked while looking, so two requests at once cannot both create one.
    """
    params = params or {}
    cutoff = timezone.now() - timedelta(seconds=settings.ROUTER_JOB_STALE_SECONDS)
    with transaction.atomic():
        Router.objects.select_for_update().only("pk").get(pk=router.pk)
        job = (
            RouterJob.objects.filter(
                router=router,
                kind=kind,
                params=params,
                status__in=[RouterJobStatus.QUEUED, RouterJobStatus.RUNNING],
                created_at__gte=cutoff,
            )
            .order_by("-created_at")
            .first()
        )
        if job is not None:
            return job, False
        job = RouterJob.objects.create(
            router=router,
            kind=kind,
            params=params,
            requested_by=actor if getattr(actor, "pk", None) else None,
        )
    return job, True


def _job_test(router: Router) -> tuple[dict[str, Any], str]:
    report = test_connection(router)
    return report.as_dict(), report.error


def _job_sync_profiles(router: Router) -> tuple[dict[str, Any], str]:
    return asdict(sync_profiles(router)), ""


def _job_drift_check(router: Router) -> tuple[dict[str, Any], str]:
    return find_drift(router).as_dict(), ""


def _job_drift_repair(router: Router, remove_unknown: bool = False) -> tuple[dict[str, Any], str]:
    before, push = repair_drift(router, remove_unknown=remove_unknown)
    after = find_drift(router)
    return {"before": before.as_dict(), "push": asdict(push), "after": after.as_dict()}, ""


def _job_active(router: Router) -> tuple[list[dict[str, Any]], str]:
    return fetch_active_users(router), ""


def _job_kick(router: Router, session_id: str) -> tuple[dict[str, Any], str]:
    kick_session(router, session_id)
    return {"session_id": session_id}, ""


_JOB_RUNNERS: dict[str, Callable[..., tuple[Any, str]]] = {
    RouterJobKind.TEST: _job_test,
    RouterJobKind.SYNC_PROFILES: _job_sync_profiles,
    RouterJobKind.DRIFT_CHECK: _job_drift_check,
    RouterJobKind.DRIFT_REPAIR: _job_drift_repair,
    RouterJobKind.ACTIVE: _job_active,
    RouterJobKind.KICK: _job_kick,
}

JOB_CRASHED = "The job failed on the server; the error is in the worker's log."


def run_job(job_id: Any) -> RouterJob | None:
    """Run one queued job (the worker's side). Claimed by a conditional UPDATE, so a message
    delivered twice (acks_late after a lost worker) never runs the same kick twice. Returns the
    finished job, or None when there was nothing to run."""
    now = timezone.now()
    claimed = RouterJob.objects.filter(pk=job_id, status=RouterJobStatus.QUEUED).update(
        status=RouterJobStatus.RUNNING, started_at=now
    )
    if not claimed:
        return None
    job = RouterJob.objects.select_related("router__site").get(pk=job_id)
    result: Any = None
    try:
        result, error = _JOB_RUNNERS[job.kind](job.router, **job.params)
    except RouterError as exc:
        log.info("router job %s (%s) failed: %s", job.pk, job.kind, exc.detail)
        error = str(exc)
    except Exception:  # noqa: BLE001 - the job ends failed whatever happened; logged in full
        log.exception("router job %s (%s) crashed", job.pk, job.kind)
        error = JOB_CRASHED
    job.result = result
    job.error = error[:500]
    job.status = RouterJobStatus.FAILED if error else RouterJobStatus.DONE
    job.finished_at = timezone.now()
    job.save(update_fields=["result", "error", "status", "finished_at"])
    return job


def job_is_lost(job: RouterJob) -> bool:
    """Still open long after it was asked for: no worker ran it, or its worker died."""
    cutoff = timezone.now() - timedelta(seconds=settings.ROUTER_JOB_STALE_SECONDS)
    return not job.finished and job.created_at < cutoff


def prune_jobs(*, older_than_days: int = 7) -> int:
    cutoff = timezone.now() - timedelta(days=older_than_days)
    deleted, _ = RouterJob.objects.filter(created_at__lt=cutoff).delete()
    return deleted


def save_profile(*, actor: Any, profile: Any = None, **fields: Any):
    """Create or change a hotspot profile (validated: rate-limit syntax, shared users ≥ 1).

    Routers get it on their next profile sync.
    """
    from erp.core.services import assign_fields, validated_save

    from .models import HotspotProfile

    profile = assign_fields(
        profile or HotspotProfile(),
        fields,
        ("name", "rate_limit", "shared_users", "session_timeout", "is_active"),
    )
    return validated_save(profile, actor=actor)
