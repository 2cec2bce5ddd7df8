"""The weekly warranty notice: Technical users get it in the app and by e-mail (through a real
SMTP server on loopback); the beat schedule exists."""

from __future__ import annotations

import datetime as dt

import pytest
from django_celery_beat.models import PeriodicTask

from erp.accounts.models import User
from erp.accounts.roles import Role
from erp.assets.tasks import notify_warranty_ending
from erp.notifications.models import Notification

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 23)


def test_technical_users_are_told_in_app_and_by_email(
    smtp_server, make_asset, make_site, make_user, tech
):
    # Given a second technician without e-mail, and assets whose warranty ends soon, later, or
    # which are retired
    tech.email = "asha@example.com"
    tech.save()
    quiet = make_user(Role.TECHNICAL, username="quiet")
    site = make_site(name="Kariakoo", code="KKO")
    make_asset(serial_number="SOON-1", site=site, reason="i", warranty_end=TODAY)
    make_asset(serial_number="SOON-2", warranty_end=TODAY + dt.timedelta(days=30))
    make_asset(serial_number="LATER", warranty_end=TODAY + dt.timedelta(days=31))

    # When the job runs
    from erp.assets.services import notify_warranty_ending as service

    assert service(today=TODAY, days=30) == 2

    # Then each Technical user has one unread notification, and nobody else has any
    technical = set(User.objects.filter(groups__name=Role.TECHNICAL))
    assert {tech, quiet} <= technical
    notes = Notification.objects.all()
    assert sorted((n.user.username, n.text, n.read_at) for n in notes) == sorted(
        (u.username, "2 asset warranties end within 30 days.", None) for u in technical
    )
    assert {n.url for n in notes} == {"/assets/asset/warranty/?days=30"}
    # And the one with an address got an e-mail listing both assets
    [mail] = smtp_server
    assert mail.recipients == ["asha@example.com"]
    assert "Warranties ending soon" in mail.subject
    assert "SOON-1" in mail.body and "Kariakoo" in mail.body and "SOON-2" in mail.body
    assert "LATER" not in mail.body


def test_nothing_ending_sends_nothing(smtp_server, make_asset, tech, eager_celery):
    make_asset(warranty_end=dt.date(2099, 1, 1))
    assert notify_warranty_ending.delay().get() == 0
    assert not Notification.objects.exists()
    assert smtp_server == []


def test_weekly_beat_schedule_exists():
    task = PeriodicTask.objects.get(task="erp.assets.tasks.notify_warranty_ending")
    assert task.enabled
    assert (task.crontab.minute, task.crontab.hour, task.crontab.day_of_week) == ("0", "7", "1")


def test_notifications_page_lists_and_marks_read(client, tech):
    from erp.notifications.services import notify

    notify(users=[tech], text="Check the UPS", url="/assets/asset/")
    client.force_login(tech)
    page = client.get("/notifications/")
    assert page.status_code == 200 and b"Check the UPS" in page.content
    assert client.post("/notifications/read/").status_code == 302
    assert Notification.objects.get().read_at is not None
