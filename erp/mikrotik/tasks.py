"""Celery tasks: thin, take ids, idempotent, time-limited; each calls one service.

Fan-out tasks (``*_all``) run from beat and queue one task per router, so one slow router does
not hold up the others. Pushes retry with exponential backoff while a router is unreachable; the
every-minute ``push_all_pending`` also picks up anything a retry gave up on.
"""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import transaction

from erp.sites.models import Router

from . import services
from .choices import SyncState
from .exceptions import RouterError, RouterUnreachable
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
    return services.poll_health(router) if router else None


@shared_task(**ROUTER_TASK)
def poll_all_health() -> int:
    return _fan_out(poll_router_health, Router.objects.all())


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
    return _fan_out(poll_router_usage, Router.objects.exclude(status="down"))


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
    return _fan_out(poll_router_traffic, Router.objects.exclude(status="down"))


@shared_task(
    bind=True,
    autoretry_for=(RouterUnreachable,),
    retry_backoff=5,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=30,
    **ROUTER_TASK,
)
def push_router_users(self, router_id: str) -> dict | None:
    """Push pending hotspot users of one router; safe to run any number of times."""
    router = _router(router_id)
    if router is None:
        return None
    report = services.push_pending_users(router)
    log.info("pushed to router %s: %s", router_id, report)
    return None


@shared_task(**ROUTER_TASK)
def push_all_pending() -> int:
    routers = Router.objects.filter(
        pk__in=HotspotUser.objects.filter(sync_state=SyncState.PENDING).values("router_id")
    )
    return _fan_out(push_router_users, routers)


@shared_task(**ROUTER_TASK)
def sync_router_profiles(router_id: str) -> None:
    router = _router(router_id)
    if router is not None:
        services.sync_profiles(router)


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
    return _fan_out(check_router_drift, Router.objects.exclude(status="down"))


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
    """Queue a push once the current transaction commits (the rows must be visible)."""
    transaction.on_commit(lambda: push_router_users.delay(str(router.pk)))
