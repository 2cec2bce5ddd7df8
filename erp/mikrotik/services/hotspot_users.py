"""Hotspot users: the desired state in the database and the pipelined push that moves a
router towards it (idempotent: twice, or after a dropped connection, adds nothing twice)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import islice
from typing import Any

from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone

from erp.core.locks import held
from erp.core.texts import text_of
from erp.sites.models import Router

from .. import selectors
from ..choices import (
    HOTSPOT_USERS,
    SyncState,
)
from ..client import RouterClient
from ..exceptions import PushBusy, RouterAuthFailed, RouterUnreachable
from ..models import (
    HotspotUser,
)
from ..signals import users_pushed
from .circuit import circuit_failure, circuit_success

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
            circuit_failure(router, text_of(exc))
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
        user.sync_state, user.last_error = SyncState.FAILED, error
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


def comment_hotspot_users(router_id, comments: dict[str, str]) -> int:
    """Give each named hotspot user of the router its own comment (a sale's receipt), marked
    pending like every change (`change_hotspot_users`), in one statement: on PostgreSQL the
    names and comments travel as two arrays (``UPDATE … FROM unnest``), elsewhere a CASE."""
    if not comments:
        return 0
    users = HotspotUser.objects.filter(router_id=router_id, name__in=list(comments))
    if connection.vendor != "postgresql":
        return change_hotspot_users(
            users,
            comment=models.Case(
                *(models.When(name=n, then=models.Value(c)) for n, c in comments.items()),
                output_field=models.CharField(),
            ),
        )
    router = HotspotUser._meta.get_field("router").get_db_prep_value(router_id, connection)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {HotspotUser._meta.db_table} AS t "  # noqa: S608 - the model's table
            "SET comment = d.comment, sync_state = %s, last_error = '' "
            "FROM unnest(%s::text[], %s::text[]) AS d(name, comment) "
            "WHERE t.router_id = %s AND t.name = d.name",
            [SyncState.PENDING, list(comments), list(comments.values()), router],
        )
        return cursor.rowcount


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
