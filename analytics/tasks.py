"""Beat jobs keeping the rollups fresh (schedules: JOBS in erp.core.schedules), and the
report files: scheduled exports and report jobs (thin wrappers that load by id and call one
service)."""

from __future__ import annotations

from celery import shared_task
from django.db import transaction

from . import rollups, services


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


# The two report tasks keep the names they had under erp.finance: beat's rows of every
# scheduled export (PeriodicTask.task) and messages already queued carry these names.
@shared_task(
    name="erp.finance.tasks.run_scheduled_export",
    autoretry_for=(OSError,),
    retry_backoff=60,
    retry_kwargs={"max_retries": 5},
    soft_time_limit=600,
)
def run_scheduled_export(schedule_id: str) -> str:
    """One scheduled export for the period that just ended; SMTP trouble (OSError, which
    smtplib's errors are) retries with backoff and re-sends the stored file."""
    run = services.run_schedule(schedule_id=schedule_id)
    return str(run.pk)


@shared_task(name="erp.finance.tasks.build_report_job", soft_time_limit=600, acks_late=True)
def build_report_job(job_id: str) -> str:
    """A report file someone asked for on the reports page or the API."""
    job = services.build_report_job(job_id=job_id)
    return job.status


@shared_task(ignore_result=True, time_limit=1800)
def prune_report_jobs() -> int:
    """Daily: report files and jobs older than REPORT_JOB_KEEP_DAYS (JOBS in erp.core.schedules)."""
    return services.prune_report_jobs()


def enqueue_report_job(job) -> None:
    """Start a new job's task once the row is committed (the worker must find it)."""
    job_id = str(job.pk)
    transaction.on_commit(lambda: build_report_job.delay(job_id))
