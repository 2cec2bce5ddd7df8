"""Celery tasks for vouchers: the batch job, and the lifecycle sweep."""

from __future__ import annotations

import logging

from celery import shared_task

from erp.mikrotik.exceptions import RouterUnreachable

from . import services
from .models import VoucherBatch
from .selectors import ROUTER_RETRY_MAX_SECONDS

log = logging.getLogger(__name__)


# A batch job waits for its router as long as it takes (backoff up to 10 minutes). It is
# idempotent, so its message is acknowledged only once it is done, and given back to the
# broker when the process running it dies (SIGKILL, out of memory): another worker resumes it.
BATCH_JOB_OPTIONS = {
    "autoretry_for": (RouterUnreachable,),
    "retry_backoff": 10,
    "retry_backoff_max": ROUTER_RETRY_MAX_SECONDS,
    "retry_jitter": True,
    "max_retries": None,
    "soft_time_limit": 1800,
    "time_limit": 1900,
    "ignore_result": True,
    "acks_late": True,
    "reject_on_worker_lost": True,
}


@shared_task(bind=True, **BATCH_JOB_OPTIONS)
def run_batch(self, batch_id: str) -> None:
    """Generate an approved batch's codes, queue them for its router and push them.

    Every step is idempotent, so a retry (router down, worker restarted) resumes where the last
    try stopped; while the router is unreachable the batch shows 'waiting for the router'.
    """
    services.run_batch_job(VoucherBatch(pk=batch_id))


@shared_task(soft_time_limit=50, time_limit=60, ignore_result=True)
def reap_stuck_batches() -> list[str]:
    """Every minute, from beat: queue again the jobs of batches whose worker is gone."""
    return services.reap_stuck_batches()


@shared_task(soft_time_limit=240, time_limit=300, ignore_result=True)
def sweep_lifecycle() -> dict[str, int]:
    """Mark first logins active and expire what is due (every few minutes, from beat)."""
    return {"activated": services.activate_from_usage(), "expired": services.expire_due()}
