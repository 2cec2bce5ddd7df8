"""Celery tasks for assets: thin wrappers around services."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(ignore_result=True, soft_time_limit=300, time_limit=360)
def notify_warranty_ending() -> int:
    """Weekly: tell Technical (in-app and by e-mail) which warranties end soon."""
    return services.notify_warranty_ending()


@shared_task(ignore_result=True, acks_late=True, soft_time_limit=600, time_limit=660)
def run_asset_import(job_id: str) -> None:
    """Check, or once confirmed import, a large asset file (services.run_import)."""
    services.run_import(job_id)
