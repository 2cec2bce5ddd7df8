"""Scheduled operations: the nightly backup (beat, editable under Periodic tasks)."""

from celery import shared_task

from .backup import create_backup


@shared_task(ignore_result=True, soft_time_limit=3000, time_limit=3600)
def nightly_backup() -> str:
    return str(create_backup())
