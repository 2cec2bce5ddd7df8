"""Celery tasks for assets: thin wrappers around services."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(ignore_result=True, soft_time_limit=300, time_limit=360)
def notify_warranty_ending() -> int:
    """Weekly: tell Technical (in-app and by e-mail) which warranties end soon."""
    return services.notify_warranty_ending()
