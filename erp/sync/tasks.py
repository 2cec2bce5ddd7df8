"""The field app's background jobs."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(ignore_result=True, time_limit=1800)
def prune_change_feed() -> int:
    """Daily: the change feed keeps SYNC_FEED_KEEP_DAYS (JOBS in erp.core.schedules)."""
    return services.prune_change_feed()
