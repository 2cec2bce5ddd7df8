"""Scheduled exports: a beat task per schedule, a stored run per period, delivered by SMTP."""

from __future__ import annotations

import datetime as dt
import io
import json
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from django_celery_beat.models import PeriodicTask
from openpyxl import load_workbook
from pypdf import PdfReader

from analytics import services, tasks
from erp.accounts.roles import Role
from erp.core.exceptions import NotAllowed
from erp.finance.choices import ExportRunStatus
from erp.finance.models import ExportRun, ScheduledExport
from erp.sales import services as sales


@pytest.mark.django_db
def test_a_schedule_gets_its_own_beat_task_with_the_right_crontab(users):
    finance = users[Role.FINANCE]
    schedule = services.save_schedule(
        actor=finance,
        report="profit",
        frequency="monthly",
        format="pdf",
        recipients="boss@example.com, accounts@example.com;boss@example.com",
    )
    task = PeriodicTask.objects.get(pk=schedule.periodic_task_id)
    assert task.task == "erp.finance.tasks.run_scheduled_export"
    assert json.loads(task.kwargs) == {"schedule_id": str(schedule.pk)}
    assert (task.crontab.hour, task.crontab.day_of_month, task.crontab.day_of_week) == (
        "6",
        "1",
        "*",
    )
    assert task.enabled
    assert schedule.recipient_list == ["boss@example.com", "accounts@example.com"]
    # switched to weekly and paused: the same beat task follows
    services.save_schedule(actor=finance, schedule=schedule, frequency="weekly", is_active=False)
    task.refresh_from_db()
    assert task.crontab.day_of_week == "1" and not task.enabled
    assert PeriodicTask.objects.filter(task=task.task).count() == 1


@pytest.mark.django_db
def test_bad_schedules_are_refused_and_change_nothing(users):
    finance, agent = users[Role.FINANCE], users[Role.AGENT]
    good = {"report": "sales", "frequency": "daily", "format": "xlsx", "recipients": "a@b.co"}
    for bad, field in [
        ({"recipients": ""}, "recipients"),
        ({"recipients": "not-an-address"}, "recipients"),
        ({"recipients": "\n".join(f"u{i}@x.co" for i in range(21))}, "recipients"),
        ({"report": "payroll"}, "report"),
        ({"frequency": "hourly"}, "frequency"),
        ({"format": "docx"}, "format"),
    ]:
        with pytest.raises(ValidationError) as error:
            services.save_schedule(actor=finance, **{**good, **bad})
        assert field in error.value.message_dict
    with pytest.raises(NotAllowed):
        services.save_schedule(actor=agent, **good)  # agents schedule nothing
    assert ScheduledExport.objects.count() == 0
    assert not PeriodicTask.objects.filter(task="erp.finance.tasks.run_scheduled_export").exists()


@pytest.mark.parametrize(
    ("frequency", "today", "expected"),
    [
        ("daily", dt.date(2026, 3, 1), (dt.date(2026, 2, 28), dt.date(2026, 3, 1))),
        ("weekly", dt.date(2026, 11, 23), (dt.date(2026, 11, 16), dt.date(2026, 11, 23))),
        ("weekly", dt.date(2026, 11, 25), (dt.date(2026, 11, 16), dt.date(2026, 11, 23))),
        ("monthly", dt.date(2026, 1, 1), (dt.date(2025, 12, 1), dt.date(2026, 1, 1))),
        ("monthly", dt.date(2026, 3, 15), (dt.date(2026, 2, 1), dt.date(2026, 3, 1))),
    ],
)
def test_each_run_covers_the_period_that_just_ended(frequency, today, expected):
    assert services.previous_period(frequency, today) == expected


@pytest.mark.django_db
def test_a_scheduled_export_is_stored_and_delivered_over_smtp_once(
    smtp_server, users, two_sites, settings, tmp_path
):
    """Given sales yesterday and a daily sales export, when beat fires (twice), then one run
    is stored and exactly one e-mail with the workbook reaches the SMTP server."""
    settings.MEDIA_ROOT = tmp_path
    finance, agent = users[Role.FINANCE], users[Role.AGENT]
    sale, _ = sales.sell(
        seller=agent,
        idempotency_key=uuid.uuid4(),
        payment_method="cash",
        package=two_sites["packages"][0],
    )
    day = timezone.localtime(sale.sold_at).date()
    schedule = services.save_schedule(
        actor=finance,
        report="sales",
        frequency="daily",
        format="xlsx",
        recipients="owner@example.com\naccounts@example.com",
    )
    first = services.run_schedule(schedule_id=schedule.pk, today=day + dt.timedelta(days=1))
    again = services.run_schedule(schedule_id=schedule.pk, today=day + dt.timedelta(days=1))

    assert first.pk == again.pk and first.status == ExportRunStatus.SENT
    assert (first.period_start, first.period_end) == (day, day + dt.timedelta(days=1))
    assert len(smtp_server.messages) == 1
    message = smtp_server.messages[0]
    assert smtp_server.envelopes[0][1] == ["owner@example.com", "accounts@example.com"]
    assert message["Subject"] == f"ViorNet: Sales {day} – {day}"
    (attachment,) = list(message.iter_attachments())
    assert attachment.get_filename() == f"sales-{day}-{day}.xlsx"
    workbook = load_workbook(io.BytesIO(attachment.get_content()))
    rows = list(workbook["Sales"].iter_rows(min_row=2, values_only=True))
    assert rows[0][5] == sale.voucher.code and rows[0][9] == 1000
    # the stored file is the one that was sent
    with first.file.open("rb") as stored:
        assert stored.read() == attachment.get_content()


@pytest.mark.django_db
def test_smtp_refusal_keeps_the_file_and_the_retry_sends_it(smtp_server, users, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    schedule = services.save_schedule(
        actor=users[Role.FINANCE],
        report="profit",
        frequency="weekly",
        format="pdf",
        recipients="owner@example.com",
    )
    today = dt.date(2026, 11, 23)
    smtp_server.refuse = True
    with pytest.raises(OSError):  # smtplib's errors are OSErrors: the task retries them
        services.run_schedule(schedule_id=schedule.pk, today=today)
    run = ExportRun.objects.get(schedule=schedule)
    assert run.status == ExportRunStatus.STORED and "451" in run.error
    assert run.file and smtp_server.messages == []

    smtp_server.refuse = False
    run = services.run_schedule(schedule_id=schedule.pk, today=today)
    assert run.status == ExportRunStatus.SENT and run.error == ""
    (attachment,) = list(smtp_server.messages[0].iter_attachments())
    text = PdfReader(io.BytesIO(attachment.get_content())).pages[0].extract_text()
    assert "Profit per site" in text and "2026-11-16 – 2026-11-22" in text


@pytest.mark.django_db
def test_the_beat_task_runs_the_service(smtp_server, users, settings, tmp_path, eager_celery):
    settings.MEDIA_ROOT = tmp_path
    schedule = services.save_schedule(
        actor=users[Role.FINANCE],
        report="expenses",
        frequency="daily",
        format="xlsx",
        recipients="owner@example.com",
    )
    run_id = tasks.run_scheduled_export.delay(str(schedule.pk)).get()
    assert ExportRun.objects.get(pk=run_id).status == ExportRunStatus.SENT
    assert len(smtp_server.messages) == 1


@pytest.mark.django_db
def test_only_the_owner_or_a_super_admin_changes_a_schedule(users, make_user, api):
    """Finding 8: a schedule runs with its owner's permissions, so another Finance user must
    not redirect a Super Admin's export to their own address."""
    admin, finance = users[Role.SUPER_ADMIN], users[Role.FINANCE]
    schedule = services.save_schedule(
        actor=admin, report="profit", frequency="daily", format="xlsx", recipients="ceo@x.co"
    )
    with pytest.raises(NotAllowed, match="Only its owner"):
        services.save_schedule(actor=finance, schedule=schedule, recipients="me@evil.example")
    response = api(finance).patch(
        f"/api/v1/scheduled-exports/{schedule.pk}/", {"recipients": "me@evil.example"}
    )
    assert response.status_code == 403
    assert "Only its owner" in response.json()["detail"]
    schedule.refresh_from_db()
    assert schedule.recipients == "ceo@x.co"
    # The owner may; a Super Admin may change another's (it still runs as its owner).
    own = services.save_schedule(
        actor=finance, report="sales", frequency="daily", format="xlsx", recipients="f@x.co"
    )
    services.save_schedule(actor=finance, schedule=own, recipients="g@x.co")
    services.save_schedule(actor=admin, schedule=own, recipients="h@x.co")
    own.refresh_from_db()
    assert own.recipients == "h@x.co" and own.owner == finance
