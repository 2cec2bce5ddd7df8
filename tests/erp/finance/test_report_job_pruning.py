"""Issue 23: report files built in the background do not pile up: a daily job (JOBS) deletes
the jobs older than REPORT_JOB_KEEP_DAYS and their files."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from analytics import services as reporting
from analytics import tasks
from erp.accounts.roles import Role
from erp.core.schedules import JOBS
from erp.finance.choices import ReportJobStatus
from erp.finance.models import ReportJob


def _job(user, *, days_old: int, name: str, status=ReportJobStatus.DONE) -> ReportJob:
    today = timezone.localdate()
    job = ReportJob.objects.create(
        report="sales",
        format="pdf",
        period_start=today - timedelta(days=days_old + 30),
        period_end=today - timedelta(days=days_old),
        requested_by=user,
        status=status,
    )
    job.file.save(name, ContentFile(b"%PDF-1.4 report"), save=True)
    ReportJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(days=days_old))
    return job


@pytest.mark.django_db
def test_old_jobs_and_their_files_are_deleted_recent_ones_kept(users, settings):
    settings.REPORT_JOB_KEEP_DAYS = 7
    finance_user = users[Role.FINANCE]
    old = _job(finance_user, days_old=8, name="old.pdf")
    failed_old = _job(finance_user, days_old=30, name="failed.pdf", status=ReportJobStatus.FAILED)
    recent = _job(finance_user, days_old=6, name="recent.pdf")
    old_path, recent_path = old.file.name, recent.file.name
    assert default_storage.exists(old_path)
    default_storage.delete(failed_old.file.name)  # a file already gone stops nothing

    assert tasks.prune_report_jobs() == 2

    assert list(ReportJob.objects.values_list("pk", flat=True)) == [recent.pk]
    assert not default_storage.exists(old_path)
    assert default_storage.exists(recent_path)
    # who asked for which figures stays on record
    assert ReportJob.history.filter(id=old.pk).exists()
    assert reporting.prune_report_jobs() == 0
    assert reporting.prune_report_jobs(keep_days=5) == 1
    assert not default_storage.exists(recent_path)


def test_the_prune_is_a_registered_periodic_job():
    assert any(job.task == "analytics.tasks.prune_report_jobs" for job in JOBS)
