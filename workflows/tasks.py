"""Celery tasks of the workflow engine itself (every process), not of one domain app."""

from __future__ import annotations

from celery import shared_task
from viewflow.workflow.timers import fire_due_timers


@shared_task(soft_time_limit=50, time_limit=60, ignore_result=True)
def fire_workflow_timers() -> int:
    """Fire viewflow's due database timers (the fault process's SLA timeouts; any process's).

    viewflow 2.4's ``flow.Timer`` / ``.OnTimeout`` store the due time on the task row and need
    a periodic dispatcher; beat runs this every minute. Safe to run twice at once: each timer
    is fired under its process lock.
    """
    return fire_due_timers()
