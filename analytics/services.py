"""The writes of the reports: scheduled exports (the beat task of each, its runs stored and
e-mailed) and report files built by the worker. Their rows are erp.finance's records
(ScheduledExport, ExportRun, ReportJob); the reports they build are analytics.reports."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from erp.accounts.models import User
from erp.accounts.roles import Role
from erp.core import branding
from erp.core.exceptions import NotAllowed
from erp.core.languages import in_language_of
from erp.core.services import assign_fields, validated_save
from erp.core.texts import Text
from erp.finance.choices import ExportFrequency, ExportRunStatus, ReportJobStatus
from erp.finance.models import ExportRun, ReportJob, ScheduledExport

from . import exports
from .reports import REPORTS, build_report, check_period, estimate_rows, reports_for

# --- scheduled exports ------------------------------------------------------------------------
MAX_RECIPIENTS = 20
RUN_HOUR = 6  # local time: the file is in the inbox before the office opens
SCHEDULE_FIELDS = ("report", "frequency", "format", "recipients", "is_active")


def _clean_recipients(raw: str) -> str:
    addresses = [a.strip() for a in raw.replace(",", "\n").replace(";", "\n").splitlines()]
    addresses = list(dict.fromkeys(a for a in addresses if a))
    if not addresses:
        raise ValidationError({"recipients": _("Give at least one e-mail address.")})
    if len(addresses) > MAX_RECIPIENTS:
        raise ValidationError(
            {"recipients": _("At most %(n)d recipients.") % {"n": MAX_RECIPIENTS}}
        )
    for address in addresses:
        try:
            validate_email(address)
        except ValidationError:
            raise ValidationError(
                {"recipients": _("Not an e-mail address: %(a)s") % {"a": address[:80]}}
            ) from None
    return "\n".join(addresses)


def _crontab(frequency: str):
    day_of_week, day_of_month = {
        ExportFrequency.DAILY: ("*", "*"),
        ExportFrequency.WEEKLY: ("1", "*"),
        ExportFrequency.MONTHLY: ("*", "1"),
    }[frequency]
    crontab, _created = CrontabSchedule.objects.get_or_create(
        minute="0",
        hour=str(RUN_HOUR),
        day_of_week=day_of_week,
        day_of_month=day_of_month,
        month_of_year="*",
        timezone=settings.TIME_ZONE,
    )
    return crontab


@transaction.atomic
def save_schedule(
    *, actor: User, schedule: ScheduledExport | None = None, **fields: Any
) -> ScheduledExport:
    """Create or change a scheduled export and the beat task that runs it. The owner must be
    allowed to run the report: the schedule cannot show anyone more than its owner sees."""
    if not actor.has_perm("finance.add_scheduledexport"):
        raise NotAllowed(_("You may not schedule exports."))
    if schedule is not None:
        schedule = ScheduledExport.objects.select_for_update().get(pk=schedule.pk)
        # It runs with its owner's permissions: someone else changing its recipients would
        # send the owner's figures where the owner never chose (a Super Admin may, seeing all).
        if schedule.owner_id != actor.pk and not actor.sees_all_sites:
            raise NotAllowed(
                _("Only its owner (%(owner)s) or a Super Admin may change this schedule.")
                % {"owner": schedule.owner}
            )
    schedule = assign_fields(schedule or ScheduledExport(owner=actor), fields, SCHEDULE_FIELDS)
    if schedule.report not in dict(reports_for(actor)):
        raise ValidationError({"report": _("Choose a report you may run.")})
    schedule.recipients = _clean_recipients(schedule.recipients or "")
    schedule = validated_save(schedule, actor=actor)
    task = schedule.periodic_task or PeriodicTask(name=f"scheduled export {schedule.pk}")
    task.task = "erp.finance.tasks.run_scheduled_export"  # its name (analytics.tasks)
    task.kwargs = f'{{"schedule_id": "{schedule.pk}"}}'
    task.crontab = _crontab(schedule.frequency)
    task.interval = None
    task.enabled = schedule.is_active
    task.description = str(schedule)
    task.save()
    if schedule.periodic_task_id != task.pk:
        schedule.periodic_task = task
        ScheduledExport.objects.filter(pk=schedule.pk).update(periodic_task=task)
    return schedule


def previous_period(frequency: str, today: dt.date) -> tuple[dt.date, dt.date]:
    """The whole period that ended before `today`: yesterday, last Monday–Sunday, or last
    calendar month (start inclusive, end exclusive)."""
    if frequency == ExportFrequency.DAILY:
        return today - dt.timedelta(days=1), today
    if frequency == ExportFrequency.WEEKLY:
        this_monday = today - dt.timedelta(days=today.weekday())
        return this_monday - dt.timedelta(days=7), this_monday
    first = today.replace(day=1)
    return (first - dt.timedelta(days=1)).replace(day=1), first


def run_schedule(*, schedule_id, today: dt.date | None = None) -> ExportRun:
    """Build, store and e-mail one run of a scheduled export for the period that just ended.

    Idempotent: a period already sent is not sent again (the run row is locked while it is
    sent, so two workers cannot both send it); a period whose e-mail failed is re-sent from
    the stored file (the figures of that moment), not rebuilt. A failure is recorded on the
    run and raised, so the task retries."""
    schedule = ScheduledExport.objects.select_related("owner").get(pk=schedule_id)
    start, end = previous_period(schedule.frequency, today or timezone.localdate())
    ExportRun.objects.get_or_create(
        schedule=schedule,
        period_start=start,
        defaults={"period_end": end, "status": ExportRunStatus.FAILED},
    )
    error: Exception | None = None
    with transaction.atomic():
        run = ExportRun.objects.select_for_update().get(schedule=schedule, period_start=start)
        if run.status == ExportRunStatus.SENT:
            return run
        try:
            if not run.file:
                _store_run_file(run, schedule)
            _send_run(run, schedule)
        except Exception as exc:  # recorded for the page and the retry, then raised
            run.status = ExportRunStatus.STORED if run.file else ExportRunStatus.FAILED
            run.error = f"{type(exc).__name__}: {exc}"[:500]
            run.save()
            error = exc
    if error is not None:
        raise error
    return run


def _store_run_file(run: ExportRun, schedule: ScheduledExport) -> None:
    # in the owner's language: the worker has none of its own
    with in_language_of(schedule.owner):
        report = build_report(
            schedule.report, actor=schedule.owner, start=run.period_start, end=run.period_end
        )
        content, _type, filename = exports.render(report, schedule.format)
    run.file.save(filename, ContentFile(content), save=False)
    run.status = ExportRunStatus.STORED
    run.save()


def _send_run(run: ExportRun, schedule: ScheduledExport) -> None:
    with in_language_of(schedule.owner):
        _send_run_in_language(run, schedule)


def _send_run_in_language(run: ExportRun, schedule: ScheduledExport) -> None:
    title = build_title(schedule)
    last = run.period_end - dt.timedelta(days=1)
    with run.file.open("rb") as stored:
        content = stored.read()
    message = EmailMessage(
        subject=f"{settings.ORGANISATION_NAME}: {title} {run.period_start} – {last}",
        body=branding.email_body(
            _(
                "The %(report)s report for %(start)s to %(last)s is attached.\n\n"
                "Sent by %(org)s because %(owner)s scheduled it."
            )
            % {
                "report": title,
                "start": run.period_start,
                "last": last,
                "org": settings.ORGANISATION_NAME,
                "owner": schedule.owner.get_full_name() or schedule.owner.username,
            }
        ),
        to=schedule.recipient_list,
    )
    message.attach(run.file.name.rsplit("/", 1)[-1], content, exports.FORMATS[schedule.format])
    message.send(fail_silently=False)
    run.status = ExportRunStatus.SENT
    run.sent_to = "\n".join(schedule.recipient_list)
    run.sent_at = timezone.now()
    run.error = ""
    run.save()


def build_title(schedule: ScheduledExport) -> str:
    title = REPORTS.get(schedule.report, (schedule.report, None))[0]
    return str(title)


# Report files estimated at more rows than this are built by the worker (a ReportJob), the
# others inside the request. A PDF costs ~20-30 ms a row (WeasyPrint lays out every row: 374
# sales took 9-16 s, 39 took 0.8-2.6 s on a loaded machine), so 30 rows stay near a second;
# a workbook is written row by row, ~7,000 rows a second with the report's queries (a month
# of the demo's sales in ~0.2 s; 20,000 remittances 2.9 s and 5,000 statements 2.1 s at
# 1,000 sites), so a workbook of more than 2,000 rows waits too. Figures: bench/README.md,
# "Report files in the background" and "Every menu page against the 2-second budget".
INLINE_MAX_ROWS = {"pdf": 30, "xlsx": 2000}
# Twice the task's soft time limit (600 s) with room for a queue: a job waiting or running
# longer than this is given up when the same request comes again.
REPORT_JOB_STALE = dt.timedelta(minutes=30)


def runs_inline(*, report: str, fmt: str, actor: User, start: dt.date, end: dt.date) -> bool:
    """Whether the report's file for start <= day < end is quick enough for the request.
    JSON always is (no layout)."""
    if fmt not in INLINE_MAX_ROWS:
        return True
    start, end = check_period(start, end)
    return estimate_rows(report, actor=actor, start=start, end=end) <= INLINE_MAX_ROWS[fmt]


def request_report_job(
    *, actor: User, report: str, fmt: str, start: dt.date, end: dt.date
) -> tuple[ReportJob, bool]:
    """The job building `report` as `fmt` for the period for `actor`: the one already waiting
    or running for the same request, or a new one (created True: the caller enqueues it)."""
    if report not in dict(reports_for(actor)):
        raise NotAllowed(_("You may not run this report."))
    if fmt not in exports.FORMATS:
        raise ValidationError({"format": _("No such format: %(fmt)s.") % {"fmt": fmt}})
    start, end = check_period(start, end)
    same = {
        "requested_by": actor,
        "report": report,
        "format": fmt,
        "period_start": start,
        "period_end": end,
    }
    running = [ReportJobStatus.QUEUED, ReportJobStatus.RUNNING]
    # a job the worker never finished (killed past its time limit) is not waited for forever
    ReportJob.objects.filter(
        status__in=running, created_at__lt=timezone.now() - REPORT_JOB_STALE, **same
    ).update(
        status=ReportJobStatus.FAILED,
        error=Text(gettext_noop("Not finished in time; asked again.")),
        finished_at=timezone.now(),
    )
    existing = ReportJob.objects.filter(status__in=running, **same).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            return ReportJob.objects.create(**same), True
    except IntegrityError:  # the same request, a moment earlier, in another process
        return ReportJob.objects.get(status__in=running, **same), False


def build_report_job(*, job_id) -> ReportJob:
    """Build and store a job's file with its requester's permissions of now. A job already
    finished is left as it is (a task delivered twice builds nothing twice)."""
    with transaction.atomic():
        job = ReportJob.objects.select_for_update().select_related("requested_by").get(pk=job_id)
        if job.status != ReportJobStatus.QUEUED:
            return job
        job.status = ReportJobStatus.RUNNING
        job.started_at = timezone.now()
        job.save(update_fields=["status", "started_at", "updated_at"])
    try:
        with in_language_of(job.requested_by):  # the requester's, not the worker's
            report = build_report(
                job.report, actor=job.requested_by, start=job.period_start, end=job.period_end
            )
            content, _type, filename = exports.render(report, job.format)
        job.file.save(filename, ContentFile(content), save=False)
        job.status = ReportJobStatus.DONE
    except Exception as exc:  # recorded for the status page; the person may ask again
        job.status = ReportJobStatus.FAILED
        job.error = f"{type(exc).__name__}: {exc}"[:500]
    job.finished_at = timezone.now()
    job.save()
    return job


def prune_report_jobs(*, keep_days: int | None = None, now: dt.datetime | None = None) -> int:
    """Delete the report jobs asked for more than ``keep_days`` (REPORT_JOB_KEEP_DAYS) ago,
    their files first; returns how many. A job that old is finished or dead (a stuck one is
    given up after 30 minutes); who asked for which figures stays in the jobs' history. A file
    already gone from storage does not stop the rest."""
    keep_days = settings.REPORT_JOB_KEEP_DAYS if keep_days is None else keep_days
    cutoff = (now or timezone.now()) - dt.timedelta(days=keep_days)
    pruned = 0
    for job in ReportJob.objects.filter(created_at__lt=cutoff).order_by("created_at").iterator():
        if job.file:
            job.file.delete(save=False)  # storage: a missing file is no error
        job.delete()
        pruned += 1
    return pruned


def may_download(job: ReportJob, user: User) -> bool:
    """Only the requester, and Super Admin, see a job and take its file."""
    return user.is_authenticated and (
        job.requested_by_id == user.pk or user.is_superuser or user.has_role(Role.SUPER_ADMIN)
    )
