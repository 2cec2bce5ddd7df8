"""Batches: request, four-eyes decision, generation, push to the router, progress,
the job, and the stuck-job reaper and Resume."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import psycopg
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Count
from django.db.models import Q as Where
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from erp.accounts.models import User
from erp.accounts.roles import Role
from erp.core.exceptions import NotAllowed
from erp.core.locks import held, is_free
from erp.core.services import validated_save
from erp.core.texts import Text, text_of
from erp.mikrotik.choices import SyncState
from erp.mikrotik.exceptions import RouterAuthFailed, RouterUnreachable
from erp.mikrotik.models import HotspotUser
from erp.mikrotik.services import (
    HotspotUserSpec,
    push_pending_users,
    queue_hotspot_users,
    sync_profiles,
)
from erp.sites.models import Router

from .. import codes, selectors
from ..choices import (
    DEFAULT_CODE_LENGTH,
    MAX_BATCH,
    BatchStatus,
    CodeFormat,
    VoucherStatus,
)
from ..models import Package, Voucher, VoucherBatch
from ..signals import batch_ready
from ..tasks import run_batch

log = logging.getLogger(__name__)


# --- batches ----------------------------------------------------------------------------------
def _check_batch(
    *,
    package: Package,
    router: Router,
    quantity: Any,
    agent: User | None,
    code_length: int,
    code_prefix: str,
) -> None:
    errors: dict[str, str] = {}
    if (
        not isinstance(quantity, int)
        or isinstance(quantity, bool)
        or not (1 <= quantity <= MAX_BATCH)
    ):
        errors["quantity"] = _("Quantity must be a whole number from 1 to %(max)s.") % {
            "max": f"{MAX_BATCH:,}"
        }
    if not package.is_active:
        errors["package"] = _("Package %(name)s is not active.") % {"name": package.name}
    elif not package.sites.filter(pk=router.site_id).exists():
        errors["package"] = _("Package %(name)s is not sold at %(site)s.") % {
            "name": package.name,
            "site": router.site,
        }
    if agent is not None and (not agent.has_role(Role.AGENT) or not agent.is_active):
        errors["agent"] = _("Vouchers can be assigned only to an active agent.")
    elif agent is not None and not router.site.agents.filter(pk=agent.pk).exists():
        errors["agent"] = _("%(agent)s does not sell at %(site)s.") % {
            "agent": agent,
            "site": router.site,
        }
    if errors:
        raise ValidationError(errors)
    codes.check_code_config(length=code_length, prefix=code_prefix)


@transaction.atomic
def request_batch(
    *,
    actor: User | None,
    package: Package,
    router: Router,
    quantity: int,
    agent: User | None = None,
    note: str = "",
    code_length: int | None = None,
    code_prefix: str = "",
    code_format: str = CodeFormat.SAME,
    preapproved: bool = False,
) -> VoucherBatch:
    """Record a request for vouchers. ``preapproved`` is for operators' commands only."""
    code_length = code_length or DEFAULT_CODE_LENGTH
    _check_batch(
        package=package,
        router=router,
        quantity=quantity,
        agent=agent,
        code_length=code_length,
        code_prefix=code_prefix,
    )
    batch = VoucherBatch(
        package=package,
        router=router,
        site=router.site,
        quantity=quantity,
        agent=agent,
        note=note,
        code_length=code_length,
        code_prefix=code_prefix,
        code_format=code_format,
        requested_by=actor,
        preapproved=preapproved,
        status=BatchStatus.APPROVED if preapproved else BatchStatus.REQUESTED,
    )
    if preapproved:
        batch.decided_at = timezone.now()
        batch.decision_comment = _("Created already approved by an operator's command.")
    # the approvers are told by the batch process's decision step (workflows.notices)
    return validated_save(batch, actor=actor)


@transaction.atomic
def decide_batch(
    *, actor: User, batch: VoucherBatch, approve: bool, comment: str = ""
) -> VoucherBatch:
    """Approve or reject a requested batch; never one's own (four eyes, even Super Admin)."""
    batch = VoucherBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.status != BatchStatus.REQUESTED:
        raise ValidationError(
            _("This batch was already decided (%(status)s).")
            % {"status": batch.get_status_display()}
        )
    if batch.requested_by_id == actor.pk:
        raise NotAllowed(_("You cannot approve or reject a batch you requested."))
    if not (actor.has_role(Role.FINANCE) or actor.has_role(Role.SUPER_ADMIN)):
        raise NotAllowed(_("Only Finance or Super Admin decide on batches."))
    if not approve and not comment.strip():
        raise ValidationError({"comment": _("Say why the batch is rejected.")})
    batch.status = BatchStatus.APPROVED if approve else BatchStatus.REJECTED
    batch.decided_by, batch.decided_at, batch.decision_comment = actor, timezone.now(), comment
    return validated_save(batch, actor=actor)


def _now():
    return timezone.now()


def _set_batch(batch: VoucherBatch, **fields: Any) -> None:
    """Progress fields change often: update in place, no history row each time (updated_at
    still moves: the analytics refresh finds an agent's newly generated stock by it)."""
    VoucherBatch.objects.filter(pk=batch.pk).update(**fields, updated_at=timezone.now())
    for name, value in fields.items():
        setattr(batch, name, value)


def generate_batch(
    batch: VoucherBatch, *, progress: Callable[[int], None] | None = None, chunk: int = 20_000
) -> int:
    """Make the batch's codes and store them, in bulk. Idempotent: a batch that already has
    its vouchers (a retried job) generates only what is missing. Returns how many exist."""
    if batch.status not in {BatchStatus.APPROVED, BatchStatus.GENERATING}:
        raise ValidationError(_("Only an approved batch is generated."))
    have = Voucher.objects.filter(batch=batch).count()
    _set_batch(batch, status=BatchStatus.GENERATING, generated_count=have, heartbeat_at=_now())
    while have < batch.quantity:
        want = min(chunk, batch.quantity - have)
        fresh = codes.unique_codes(want, batch.code_length, batch.code_prefix)
        have += _store_vouchers(batch, fresh)
        _set_batch(batch, generated_count=have, heartbeat_at=_now())
        if progress:
            progress(have)
    return have


def _store_vouchers(batch: VoucherBatch, fresh: list[str]) -> int:
    """Insert vouchers for these codes; codes already taken are skipped (the caller retries).
    Returns how many were inserted."""
    separate = batch.code_format == CodeFormat.SEPARATE
    now = timezone.now()
    rows = [(code, codes.random_code(batch.code_length) if separate else "") for code in fresh]
    if connection.vendor == "postgresql":
        return _copy_vouchers(batch, rows, now)
    before = Voucher.objects.filter(batch=batch).count()
    Voucher.objects.bulk_create(
        [
            Voucher(
                code=c,
                password=p,
                batch=batch,
                package_id=batch.package_id,
                site_id=batch.site_id,
                router_id=batch.router_id,
                agent_id=batch.agent_id,
                created_at=now,
            )
            for c, p in rows
        ],
        batch_size=2000,
        ignore_conflicts=True,
    )
    return Voucher.objects.filter(batch=batch).count() - before


COPY_COLUMNS = (
    "code",
    "password",
    "batch_id",
    "package_id",
    "site_id",
    "router_id",
    "agent_id",
    "status",
    "created_at",
)
COPY_TYPES = [
    "varchar",
    "varchar",
    "uuid",
    "uuid",
    "uuid",
    "uuid",
    "uuid",
    "varchar",
    "timestamptz",
]


def _copy_vouchers(batch: VoucherBatch, rows: list[tuple[str, str]], now) -> int:
    """Binary COPY straight into the voucher table; if a code is already taken (rare: about
    one batch in tens of thousands at 10 million vouchers), redo this chunk through a temporary
    table and INSERT … ON CONFLICT DO NOTHING, which skips the taken codes."""
    table = Voucher._meta.db_table
    fixed = (
        batch.pk,
        batch.package_id,
        batch.site_id,
        batch.router_id,
        batch.agent_id,
        VoucherStatus.UNUSED,
        now,
    )
    columns = ", ".join(COPY_COLUMNS)
    try:
        copy_sql = f"COPY {table} ({columns}) FROM STDIN (FORMAT BINARY)"
        with transaction.atomic(), connection.cursor() as cursor, cursor.copy(copy_sql) as copy:
            copy.set_types(COPY_TYPES)
            for code, password in rows:
                copy.write_row((code, password, *fixed))
        return len(rows)
    except (IntegrityError, psycopg.errors.UniqueViolation):
        pass
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMPORARY TABLE voucher_codes_in (code varchar(32), password varchar(32))"
            " ON COMMIT DROP"
        )
        with cursor.copy("COPY voucher_codes_in (code, password) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        cursor.execute(
            f"INSERT INTO {table} ({columns})"  # noqa: S608 - table and columns are ours
            " SELECT code, password, %s, %s, %s, %s, %s, %s, %s FROM voucher_codes_in"
            " ON CONFLICT (code) DO NOTHING",
            list(fixed),
        )
        return cursor.rowcount


def queue_batch_push(batch: VoucherBatch) -> int:
    """Queue the batch's vouchers as hotspot users of its router (pending; the push sends
    them). Idempotent: names already queued are skipped."""
    package = batch.package
    vouchers = Voucher.objects.filter(batch=batch).values_list("code", "password")
    specs = (
        HotspotUserSpec(
            name=code,
            password=password or code,
            profile=package.profile.name,
            limit_uptime=package.uptime_limit_seconds,
            limit_bytes_total=package.data_limit_bytes,
        )
        for code, password in vouchers.iterator(chunk_size=10_000)
    )
    created = queue_hotspot_users(batch.router, specs)
    # Users a router refused before (its profile was missing, say) get another try.

    HotspotUser.objects.filter(
        router=batch.router,
        sync_state=SyncState.FAILED,
        name__in=Voucher.objects.filter(batch=batch).values("code"),
    ).update(sync_state=SyncState.PENDING, last_error="")
    _set_batch(batch, status=BatchStatus.PUSHING, heartbeat_at=_now())
    return created


def push_batch(batch: VoucherBatch) -> VoucherBatch:
    """Make sure the router has the package's profile, push, and count what arrived. The
    heartbeat beats after every window of users the router acknowledged."""

    def beat(report) -> None:
        _set_batch(batch, heartbeat_at=_now())

    sync_profiles(batch.router)
    push_pending_users(batch.router, progress=beat)
    return refresh_batch_progress(batch)


def refresh_batch_progress(batch: VoucherBatch) -> VoucherBatch:
    """Derive the batch's counts and status from its rows: vouchers generated, hotspot users
    on the router (synced) and refused (failed). Every voucher on the router: in stock (once,
    announced as ``batch_ready``); all tried and some refused: failed. Otherwise the status
    the job set stays (generating, pushing, waiting for the router).

    Called by the batch job and by every push that changed rows of the batch's router (beat,
    drift repair), so the page and the API show what the router has.
    """
    codes_of_batch = Voucher.objects.filter(batch_id=batch.pk).values("code")
    counts = HotspotUser.objects.filter(
        router_id=batch.router_id, name__in=codes_of_batch, removed=False
    ).aggregate(
        pushed=Count("pk", filter=Where(sync_state=SyncState.SYNCED)),
        failed=Count("pk", filter=Where(sync_state=SyncState.FAILED)),
    )
    pushed, failed = counts["pushed"], counts["failed"]
    fields: dict[str, Any] = {"pushed_count": pushed, "failed_count": failed}
    generated = Voucher.objects.filter(batch_id=batch.pk).count()
    if generated == batch.quantity:
        fields["generated_count"] = generated
    if failed and pushed + failed == batch.quantity:
        fields["status"] = BatchStatus.FAILED
    if pushed != batch.quantity:
        _set_batch(batch, **fields)
        return batch
    fields.update(status=BatchStatus.READY, last_error="")
    # Status and counts in one commit: a reader (or a worker killed in between) never sees a
    # batch in stock with none of it counted as on the router.
    with transaction.atomic():
        became_ready = (
            VoucherBatch.objects.filter(pk=batch.pk)
            .exclude(status=BatchStatus.READY)
            .update(**fields, updated_at=_now())
        )
        _set_batch(batch, **fields)
        if became_ready:
            _announce_ready(batch)
    return batch


def _announce_ready(batch: VoucherBatch) -> None:
    def send() -> None:
        for receiver, result in batch_ready.send_robust(sender=VoucherBatch, batch_id=batch.pk):
            if isinstance(result, Exception):
                log.error("batch %s in stock: %s failed: %r", batch.pk, receiver, result)

    transaction.on_commit(send)


# Batches a push can move forward: their users are (being) queued on the router.
PUSHED_STATES = (BatchStatus.PUSHING, BatchStatus.WAITING_ROUTER, BatchStatus.FAILED)


def refresh_router_batches(router_id: Any) -> int:
    """After a push to a router (beat, drift repair): recount its unfinished batches."""
    batches = VoucherBatch.objects.filter(router_id=router_id, status__in=PUSHED_STATES)
    n = 0
    for batch in batches.only("pk", "router_id", "quantity", "status"):
        refresh_batch_progress(batch)
        n += 1
    return n


# --- batches: the job that generates and pushes -------------------------------------------------
def note_router_wait(batch: VoucherBatch, message: str) -> None:
    """The router did not answer: the batch waits (the job retries with backoff)."""
    _set_batch(batch, status=BatchStatus.WAITING_ROUTER, last_error=message, heartbeat_at=_now())


def batch_lock_name(batch: VoucherBatch) -> str:
    """Held by the process running the batch's job; dies with it (erp.core.locks)."""
    return f"voucher-batch:{batch.pk}"


def run_batch_job(batch: VoucherBatch) -> VoucherBatch:
    """The whole job of an approved batch: generate, queue, push, count. Every step is
    idempotent, so a retry resumes; RouterUnreachable leaves the batch waiting for the router.

    One job per batch at a time: the job holds the batch's lock, so a copy of the job (the
    reaper's, a message the broker delivered again) started while the first is alive returns
    at once instead of generating twice.
    """
    with held(batch_lock_name(batch)) as mine:
        batch = VoucherBatch.objects.select_related("package__profile", "router").get(pk=batch.pk)
        if not mine:
            log.info("batch %s: its job is already running elsewhere", batch.pk)
            return batch
        if batch.status in {BatchStatus.REQUESTED, BatchStatus.REJECTED, BatchStatus.READY}:
            return batch
        _set_batch(batch, heartbeat_at=_now())
        if batch.status in {BatchStatus.APPROVED, BatchStatus.GENERATING}:
            generate_batch(batch)
        queue_batch_push(batch)
        try:
            return push_batch(batch)
        except RouterUnreachable as exc:
            note_router_wait(batch, text_of(exc))
            raise
        except RouterAuthFailed as exc:
            # No retry would help until someone fixes the router's credentials: say so, and
            # leave the batch waiting (the reaper tries again later, or Resume once fixed).
            note_router_wait(
                batch,
                Text(
                    gettext_noop(
                        "%(error)s The vouchers are pushed once the router accepts the login: fix "
                        "its API username or password on the router's page, then Resume."
                    ),
                    error=exc,
                ),
            )
            return batch


# --- stuck jobs: the reaper and Resume ----------------------------------------------------------
class BatchNotStuck(Exception):
    """Resume was asked of a batch whose job is not stuck (running, finished, or not begun)."""


def is_stuck(batch: VoucherBatch, *, now=None) -> bool:
    """No progress for BATCH_STALE_MINUTES (see selectors.stale_batches), and nobody holds
    its job's lock: the worker running it is gone. A failed batch (users the router refused)
    is stuck too: Resume tries them again."""
    if batch.status == BatchStatus.FAILED:
        return is_free(batch_lock_name(batch))
    stale = selectors.stale_batches(now=now).filter(pk=batch.pk).exists()
    return stale and is_free(batch_lock_name(batch))


def _queue_job(batch: VoucherBatch) -> None:
    batch_id = str(batch.pk)
    transaction.on_commit(lambda: run_batch.delay(batch_id))


def reap_stuck_batches(*, now=None) -> list[str]:
    """Queue again the job of every batch whose job stopped (a killed worker, a message the
    broker lost). Run by beat every minute; safe to run any number of times."""
    resumed = []
    for batch in selectors.stale_batches(now=now).only("pk", "status", "last_error"):
        if not is_free(batch_lock_name(batch)):
            continue  # its job is alive (a slow router): leave it
        note = batch.last_error or Text(
            gettext_noop(
                "No progress for %(minutes)s minutes (its worker stopped); the job was queued "
                "again."
            ),
            minutes=settings.BATCH_STALE_MINUTES,
        )
        _set_batch(batch, heartbeat_at=_now(), last_error=note)
        _queue_job(batch)
        resumed.append(str(batch.pk))
        log.warning("batch %s had no progress: its job is queued again", batch.pk)
    return resumed


def may_resume(actor: User) -> bool:
    """Finance, Sales and Super Admin resume the batches they can see."""
    return actor.is_superuser or any(
        actor.has_role(r) for r in (Role.FINANCE, Role.SUPER_ADMIN, Role.SALES)
    )


@transaction.atomic
def resume_batch(*, actor: User, batch: VoucherBatch) -> VoucherBatch:
    """An operator's Resume: queue the stuck batch's job again (recorded in its history).

    Finance, Super Admin and Sales may; the batch must be stuck (else BatchNotStuck)."""
    if not may_resume(actor):
        raise NotAllowed(_("Only Finance, Sales or Super Admin resume batches."))
    batch = VoucherBatch.objects.select_for_update().get(pk=batch.pk)
    if not is_stuck(batch):
        raise BatchNotStuck(
            _("This batch is not stuck (%(status)s, last progress %(when)s): nothing to resume.")
            % {
                "status": batch.get_status_display(),
                "when": timezone.localtime(batch.heartbeat_at).strftime("%Y-%m-%d %H:%M")
                if batch.heartbeat_at
                else _("never"),
            }
        )
    batch.heartbeat_at = _now()
    batch._history_user = actor
    batch._change_reason = "resumed"
    batch.save(update_fields=["heartbeat_at", "updated_at"])
    _queue_job(batch)
    return batch
