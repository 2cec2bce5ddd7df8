"""Periodic tasks that queue messages (kept out of tasks.py: services start the pump through
tasks, so a task here calling services would close an import cycle). Registered in
apps.ready."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(soft_time_limit=240, time_limit=300, ignore_result=True)
def send_reminders() -> int:
    """Every 15 minutes, from beat: 'your access ends soon' to clients who agreed."""
    return services.queue_expiry_reminders()


@shared_task(soft_time_limit=50, time_limit=60, ignore_result=True)
def read_modem_inboxes() -> int:
    """Every minute, from beat: the SMS clients sent to the modems' SIMs (STOP/ACHA)."""
    return services.read_modem_inboxes()
