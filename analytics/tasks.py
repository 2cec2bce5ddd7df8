"""Beat jobs keeping the rollups fresh (schedules in migrations/0002)."""

from __future__ import annotations

from celery import shared_task

from . import rollups


@shared_task(time_limit=600)
def refresh_rollups() -> int:
    """Every few minutes: the days touched by new sales, refunds and remittances, the router
    hours since the last run, and the stock ages."""
    return len(rollups.refresh())


NIGHTLY_DAYS = 62


@shared_task(time_limit=3600)
def rebuild_rollups() -> None:
    """Nightly: the last two months whole, in case a refresh missed something."""
    rollups.rebuild_all(days=NIGHTLY_DAYS)
