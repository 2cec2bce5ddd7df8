"""Celery tasks for vouchers: the batch job, and the lifecycle sweep."""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import transaction

from erp.mikrotik.exceptions import RouterUnreachable

from . import services
from .choices import BatchStatus
from .models import VoucherBatch

log = logging.getLogger(__name__)


@shared_task(
    bind=True,
    autoretry_for=(RouterUnreachable,),
    retry_backoff=10,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=None,
    soft_time_limit=1800,
    time_limit=1900,
    ignore_result=True,
)
def run_batch(self, batch_id: str) -> None:
    """Generate an approved batch's codes, queue them for its router and push them.

    Every step is idempotent, so a retry (router down, worker restarted) resumes where the last
    try stopped; while the router is unreachable the batch shows 'waiting for the router'.
    """
    batch = VoucherBatch.objects.select_related("package__profile", "router").get(pk=batch_id)
    if batch.status in {BatchStatus.REQUESTED, BatchStatus.REJECTED, BatchStatus.READY}:
        return
    if batch.status in {BatchStatus.APPROVED, BatchStatus.GENERATING}:
        services.generate_batch(batch)
    services.queue_batch_push(batch)
    try:
        services.push_batch(batch)
    except RouterUnreachable as exc:
        services.note_router_wait(batch, str(exc))
        raise


def start_batch(batch: VoucherBatch) -> None:
    """Queue the batch job once the approval is committed."""
    transaction.on_commit(lambda: run_batch.delay(str(batch.pk)))


@shared_task(soft_time_limit=240, time_limit=300, ignore_result=True)
def sweep_lifecycle() -> dict[str, int]:
    """Mark first logins active and expire what is due (every few minutes, from beat)."""
    return {"activated": services.activate_from_usage(), "expired": services.expire_due()}
