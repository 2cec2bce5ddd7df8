"""Thin Celery wrappers around the payments services."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(time_limit=300, soft_time_limit=280)
def retry_owed() -> int:
    """Every minute: issue what was paid and not issued, settle webhooks that never came."""
    return services.retry_owed()


@shared_task(time_limit=60, soft_time_limit=50)
def settle(payment_id: str) -> str:
    return services.settle(payment_id).status
