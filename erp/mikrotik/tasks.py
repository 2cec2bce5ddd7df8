"""Celery tasks: thin, take ids, idempotent, time-limited; each calls one service.

Fan-out tasks (``*_all``) run from beat and queue one task per router, so one slow router does
not hold up the others. Pushes retry with exponential backoff while a router is unreachable; the
every-minute ``push_all_pending`` also picks up anything a retry gave up on.
"""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import transaction

from erp.core.texts import text_of
from erp.sites.choices import RouterStatus
from erp.sites.models import Router

from . import services
from .choices import SyncState
from .exceptions import PushBusy, RouterAuthFailed, RouterError, RouterUnreachable
from .models import HotspotUser

log = logging.getLogger(__name__)

ROUTER_TASK = {"soft_time_limit": 240, "time_limit": 300, "ignore_result": True}


def _router(router_id: str) -> Router | None:
    return Router.objects.select_related("site").filter(pk=router_id).first()


def _fan_out(task, queryset) -> int:
    ids = [str(pk) for pk in queryset.values_list("pk", flat=True)]
    for router_id in ids:
        task.delay(router_id)
    return len(ids)


@shared_task(**ROUTER_TASK)
def poll_router_health(router_id: str) -> bool | None:
    router = _router(router_id)
    if router is None or not services.circuit_allows(router):
        return None  # its circuit is open: a probe goes at its next try, not every minute
    return services.poll_health(router)


@shared_task(**ROUTER_TASK)
def poll_all_health() -> int:
    return _fan_out(poll_router_health, Router.objects.exclude(pk__in=services.routers_open_now()))


@shared_task(**ROUTER_TASK)
def poll_router_usage(router_id: str) -> None:
    router = _router(router_id)
    if router is None:
        return
    try:
        services.fetch_active_users(router)
        services.fetch_usage(router)
    except RouterError as exc:
        log.warning("usage poll of router %s failed: %s", router_id, exc)


@shared_task(**ROUTER_TASK)
def poll_all_usage() -> int:
    return _fan_out(poll_router_usage, Router.objects.exclude(status=RouterStatus.DOWN))


@shared_task(**ROUTER_TASK)
def poll_router_traffic(router_id: str) -> None:
    router = _router(router_id)
    if router is None:
        return
    try:
        services.fetch_traffic(router)
    except RouterError as exc:
        log.warning("traffic poll of router %s failed: %s", router_id, exc)


@shared_task(**ROUTER_TASK)
def poll_all_traffic() -> int:
    return _fan_out(poll_router_traffic, Router.objects.exclude(status=RouterStatus.DOWN))


@shared_task(**ROUTER_TASK)
def push_router_users(router_id: str) -> dict | None:
    """Push pending hotspot users of one router; safe to run any number of times.

    No retry of its own: beat's next round (every minute) is the retry, and the router's
    circuit breaker its backoff, so a dead router never collects a pile of retrying messages.
    """
    router = _router(router_id)
    if router is None:
        return None
    services.push_started(router)
    if not services.circuit_allows(router):
        log.info("push to router %s skipped: its circuit is open", router_id)
        return None
    try:
        # the users' profiles first: a user whose profile the router lacks is refused
        profiles = services.sync_profiles(router)
    except (RouterUnreachable, RouterAuthFailed) as exc:
        services.circuit_failure(router, text_of(exc))
        log.info("push to router %s failed: %s", router_id, exc.detail)
        return None
    except RouterError as exc:  # a profile refused: push the users anyway
        log.warning("profile sync of router %s failed: %s", router_id, exc.detail)
        profiles = services.ProfileSyncReport()
    if profiles.added or profiles.updated:
        log.info("profiles of router %s synced before the push: %s", router_id, profiles)
    try:
        report = services.push_pending_users(router)  # counts its own failures
    except PushBusy:
        log.info("push to router %s skipped: another push holds it", router_id)
        return None
    except (RouterUnreachable, RouterAuthFailed) as exc:
        log.info("push to router %s failed: %s", router_id, exc.detail)
        return None
    log.info("pushed to router %s: %s", router_id, report)
    return None


def request_push(router: Router) -> bool:
    """Queue a push of the router unless one is already queued (see services.claim_push)."""
    if not services.claim_push(router):
        return False
    push_router_users.delay(str(router.pk))
    return True


@shared_task(**ROUTER_TASK)
def push_all_pending() -> int:
    """Every minute (beat): one push per router with pending users, none for a router whose
    push is still queued or whose circuit is open."""
    routers = Router.objects.filter(
        pk__in=HotspotUser.objects.filter(sync_state=SyncState.PENDING).values("router_id")
    ).exclude(pk__in=services.routers_open_now())
    return sum(request_push(router) for router in routers)


@shared_task(ignore_result=True, time_limit=600)
def prune_router_samples() -> int:
    services.prune_jobs()
    return services.prune_samples()


@shared_task(**ROUTER_TASK)
def check_router_drift(router_id: str) -> None:
    router = _router(router_id)
    if router is not None:
        services.scheduled_drift_check(router)


@shared_task(**ROUTER_TASK)
def check_all_drift() -> int:
    """Daily (beat): every router that answers is checked for drift, one task each."""
    return _fan_out(check_router_drift, Router.objects.exclude(status=RouterStatus.DOWN))


@shared_task(**ROUTER_TASK)
def run_router_job(job_id: str) -> None:
    """A router call a page or the API asked for (see services.open_job)."""
    services.run_job(job_id)


def start_job(router: Router, kind: str, *, actor=None, params: dict | None = None):
    """Open (or reuse) a job for a router call and queue it once committed; never waits on
    the router. Returns the job, whose status the page or the API client polls."""
    job, created = services.open_job(router, kind, actor=actor, params=params)
    if created:
        transaction.on_commit(lambda: run_router_job.delay(str(job.pk)))
    return job


def schedule_push(router: Router) -> None:
    """Queue a push once the current transaction commits (the rows must be visible), unless
    one is already queued for the router."""
    transaction.on_commit(lambda: request_push(router))
