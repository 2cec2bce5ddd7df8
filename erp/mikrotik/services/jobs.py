"""Router jobs: calls asked for from a page or the API, run by a worker; the scheduled
drift check is one."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import asdict
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from erp.accounts.roles import Role
from erp.core.languages import in_language_of
from erp.core.texts import Text, text_of
from erp.notifications.services import notify
from erp.sites.models import Router
from erp.sites.selectors import routers_visible_to

from ..choices import (
    RouterJobKind,
    RouterJobStatus,
)
from ..exceptions import RouterError
from ..models import (
    RouterJob,
)
from .drift import DRIFT_LABELS, find_drift, repair_drift
from .health import test_connection
from .live import fetch_active_users, kick_session
from .profiles import sync_profiles

log = logging.getLogger(__name__)


# --- router jobs: the scheduled drift check ------------------------------------------------------
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
    before = job.result.get("before", job.result)

    def found() -> str:
        return ", ".join(
            f"{DRIFT_LABELS[key]}: {len(before[key])}" for key in DRIFT_LABELS if before.get(key)
        )

    def text() -> str:  # written in each reader's language
        if job.kind == RouterJobKind.DRIFT_REPAIR:
            return _(
                "Router %(router)s had drifted from the database (%(found)s); repaired: "
                "%(added)d added, %(updated)d updated, %(removed)d removed, %(failed)d failed."
            ) % {"router": router.name, "found": found(), **job.result["push"]}
        return _("Router %(router)s has drifted from the database: %(found)s.") % {
            "router": router.name,
            "found": found(),
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
    log.warning("router %s drift: %s", router.pk, sorted(k for k in DRIFT_LABELS if before.get(k)))


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

JOB_CRASHED = gettext_noop(
    "The job failed on the server; the error is in the worker's log."
)  # read in each reader's language (erp.core.texts)


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
    job = RouterJob.objects.select_related("router__site", "requested_by").get(pk=job_id)
    result: Any = None
    # the error is kept as a Text (read in each reader's language); the report's own texts are
    # written in the language of the person who asked and waits for it
    with in_language_of(job.requested_by):
        try:
            result, error = _JOB_RUNNERS[job.kind](job.router, **job.params)
        except RouterError as exc:
            log.info("router job %s (%s) failed: %s", job.pk, job.kind, exc.detail)
            error = text_of(exc)
        except Exception:  # noqa: BLE001 - the job ends failed whatever happened; logged in full
            log.exception("router job %s (%s) crashed", job.pk, job.kind)
            error = Text(JOB_CRASHED)
    job.result = result
    job.error = error
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
