"""Celery tasks of the core: the retry sweep of domain event deliveries."""

from __future__ import annotations

from celery import shared_task

from . import events


@shared_task(soft_time_limit=240, time_limit=300, ignore_result=True)
def deliver_due_events() -> int:
    """Retry the domain event deliveries that failed and are due again (beat, every minute)."""
    return events.deliver_due()
