"""Beat jobs keeping the rollups fresh (schedules in migrations/0002)."""

from __future__ import annotations

from celery import shared_task

from . import rollups


@shared_task(time_limit=600)
def refresh_rollups() -> int:
    """Every few minutes: the days touched by new sales and refunds."""
    return len(rollups.refresh())


@shared_task(time_limit=3600)
def rebuild_rollups() -> None:
    """Nightly: everything, in case a day was missed."""
    rollups.rebuild_all()
