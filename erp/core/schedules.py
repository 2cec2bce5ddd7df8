"""Every periodic job, with its default schedule: the one registry beat reads from.

`manage.py sync_roles_and_schedules` (run after every migrate) creates the jobs missing from the
database (django-celery-beat's Periodic tasks). A job that exists keeps its schedule, its
enabled switch and its arguments: staff tune them in the admin, and a deploy never undoes that.
If code moves a task, the job follows it (its task path is updated, its schedule kept). To stop
a job, disable it; a deleted job is created again.

Jobs name their task by its dotted path (a string, not an import), so this registry sits at the
bottom layer and every app adds its jobs here. A test checks that each path is a registered
Celery task.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask


@dataclass(frozen=True)
class Job:
    """A periodic job: ``every`` seconds, or a crontab (minute, hour, day_of_week; local time
    when ``local_time``, else UTC)."""

    name: str
    task: str
    every: int | None = None
    crontab: dict[str, str] = field(default_factory=dict)
    local_time: bool = False

    def __post_init__(self) -> None:
        if (self.every is None) == (not self.crontab):
            raise ValueError(f"{self.name}: give either every= or crontab=")


MINUTE, FIVE_MINUTES, DAY = 60, 300, 86400

JOBS: tuple[Job, ...] = (
    # routers (erp.mikrotik)
    Job("Router health", "erp.mikrotik.tasks.poll_all_health", every=MINUTE),
    Job("Push pending hotspot users", "erp.mikrotik.tasks.push_all_pending", every=MINUTE),
    Job("Router active users and usage", "erp.mikrotik.tasks.poll_all_usage", every=FIVE_MINUTES),
    Job("Router traffic", "erp.mikrotik.tasks.poll_all_traffic", every=FIVE_MINUTES),
    Job("Prune old router samples", "erp.mikrotik.tasks.prune_router_samples", every=DAY),
    Job(
        "Router drift check (daily)",
        "erp.mikrotik.tasks.check_all_drift",
        crontab={"minute": "30", "hour": "3", "day_of_week": "*"},
        local_time=True,
    ),
    # vouchers
    Job(
        "Voucher lifecycle (activate, expire)",
        "erp.vouchers.tasks.sweep_lifecycle",
        every=FIVE_MINUTES,
    ),
    Job("Resume stuck voucher batches", "erp.vouchers.tasks.reap_stuck_batches", every=MINUTE),
    # payments the provider took whose voucher is not issued yet (erp.payments)
    Job("Issue vouchers owed for payments", "erp.payments.tasks.retry_owed", every=MINUTE),
    # yesterday's payments compared with the provider's records: 05:30 local
    Job(
        "Reconcile yesterday's payments",
        "erp.payments.tasks.reconcile_yesterday",
        crontab={"minute": "30", "hour": "5", "day_of_week": "*"},
        local_time=True,
    ),
    # PortaBilling (erp.integrations.portabilling): for sites that turned it on, create the
    # accounts of new batches, push blocks, retry credits and read changed accounts back
    Job("PortaBilling sync", "erp.integrations.portabilling.tasks.sync_all", every=FIVE_MINUTES),
    # SMS (erp.messaging): the gateways' pumps, the modems' inboxes, reminders before access
    # ends (quiet hours are kept by the task itself)
    Job("Send due SMS", "erp.messaging.tasks.pump_all", every=MINUTE),
    Job("Read the SMS modems' inboxes", "erp.messaging.beat.read_modem_inboxes", every=MINUTE),
    Job("SMS reminders before access ends", "erp.messaging.beat.send_reminders", every=900),
    # assets: Mondays 07:00 local
    Job(
        "Asset warranties ending soon (weekly)",
        "erp.assets.tasks.notify_warranty_ending",
        crontab={"minute": "0", "hour": "7", "day_of_week": "1"},
        local_time=True,
    ),
    # the field app's change feed (erp.sync): rows older than SYNC_FEED_KEEP_DAYS, 04:15 local
    Job(
        "Prune the field app's change feed",
        "erp.sync.tasks.prune_change_feed",
        crontab={"minute": "15", "hour": "4", "day_of_week": "*"},
        local_time=True,
    ),
    # report files built in the background (erp.finance ReportJob): older than
    # REPORT_JOB_KEEP_DAYS, 04:45 local
    Job(
        "Delete old report files",
        "analytics.tasks.prune_report_jobs",
        crontab={"minute": "45", "hour": "4", "day_of_week": "*"},
        local_time=True,
    ),
    # domain events whose delivery failed are retried
    Job("Deliver domain events", "erp.core.tasks.deliver_due_events", every=MINUTE),
    # viewflow's timers (the fault SLA)
    Job("Workflow timers (fault SLA)", "workflows.tasks.fire_workflow_timers", every=MINUTE),
    # backups (erp.ops): every night at 02:30 local
    Job(
        "Nightly backup",
        "erp.ops.tasks.nightly_backup",
        crontab={"minute": "30", "hour": "2", "day_of_week": "*"},
        local_time=True,
    ),
    # analytics rollups: fresh every 5 minutes, rebuilt nightly (02:30 UTC)
    Job("Refresh analytics rollups", "analytics.tasks.refresh_rollups", every=FIVE_MINUTES),
    Job(
        "Rebuild analytics rollups",
        "analytics.tasks.rebuild_rollups",
        crontab={"minute": "30", "hour": "2", "day_of_week": "*"},
    ),
    # support (erp.support): e-mails to the support mailbox become tickets
    Job("Read the support mailbox", "erp.support.tasks.poll_mailbox", every=MINUTE),
    # OpenWISP (erp.integrations.openwisp): hourly discovery of access points, their health
    Job(
        "OpenWISP access point discovery (hourly)",
        "erp.integrations.openwisp.tasks.discover_all",
        every=3600,
    ),
    Job(
        "OpenWISP access point health",
        "erp.integrations.openwisp.tasks.check_all_health",
        every=FIVE_MINUTES,
    ),
    # support (erp.support): the ticket classifier learns the agents' corrections, Sundays
    Job(
        "Retrain the ticket classifier (weekly)",
        "erp.support.tasks.retrain_classifier",
        crontab={"minute": "0", "hour": "4", "day_of_week": "0"},
        local_time=True,
    ),
)


@transaction.atomic
def sync_schedules(jobs: tuple[Job, ...] = JOBS) -> list[str]:
    """Create the missing jobs and point moved ones at their task; what changed, one line each.
    Schedules, switches and arguments of existing jobs are the staff's and are kept."""
    changes = []
    existing = {
        task.name: task for task in PeriodicTask.objects.filter(name__in=[j.name for j in jobs])
    }
    for job in jobs:
        task = existing.get(job.name)
        if task is not None:
            if task.task != job.task:
                PeriodicTask.objects.filter(pk=task.pk).update(task=job.task)
                changes.append(f"job {job.name!r} now runs {job.task}")
            continue
        if job.every is not None:
            interval, _ = IntervalSchedule.objects.get_or_create(every=job.every, period="seconds")
            schedule = {"interval": interval}
        else:
            crontab, _ = CrontabSchedule.objects.get_or_create(
                minute=job.crontab.get("minute", "*"),
                hour=job.crontab.get("hour", "*"),
                day_of_week=job.crontab.get("day_of_week", "*"),
                day_of_month="*",
                month_of_year="*",
                timezone=settings.TIME_ZONE if job.local_time else "UTC",
            )
            schedule = {"crontab": crontab}
        PeriodicTask.objects.create(name=job.name, task=job.task, enabled=True, **schedule)
        changes.append(f"job {job.name!r} scheduled")
    return changes
