"""Support SLA: a ticket nobody answers in time is escalated once per deadline, the first
response and later the resolution (the support leads and the Super Admins notified in the app
and by e-mail through a real SMTP server) by the process's timer, fired by the beat sweep; a
late resolution is counted; a wait for the customer does not count."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.utils import timezone
from viewflow.workflow.status import STATUS

from erp.accounts.roles import Role
from erp.notifications.models import Notification
from erp.support import services
from erp.support.choices import Channel
from erp.support.models import SlaPolicy, Ticket
from workflows.support_ticket import services as process_services
from workflows.support_ticket.flows import SupportTicketFlow
from workflows.support_ticket.models import SupportTicketProcess
from workflows.tasks import fire_workflow_timers

pytestmark = pytest.mark.django_db

PAID = "Nimelipa kwa M-Pesa 5000 lakini sijapata vocha yoyote, naomba msaada"


@pytest.fixture
def lead(make_user):
    user = make_user(Role.MARKETING, username="carelead", email="lead@example.com")
    user.user_permissions.add(Permission.objects.get(codename="supervise_ticket"))
    return type(user).objects.get(pk=user.pk)


def test_an_unanswered_ticket_escalates_once_and_a_late_resolution_is_counted(
    client, users, lead, django_capture_on_commit_callbacks, smtp_server
):
    admin, finance = users[Role.SUPER_ADMIN], users[Role.FINANCE]
    admin.email = "boss@example.com"
    admin.save()
    policy = SlaPolicy.objects.get(priority="high")
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        with django_capture_on_commit_callbacks(execute=True):
            ticket = services.open_ticket(
                text=PAID, channel=Channel.API, email="c@example.com", actor=users[Role.MARKETING]
            )
        assert ticket.priority == "high"
        assert ticket.first_response_due == start + timedelta(minutes=policy.first_response_minutes)
        process = SupportTicketProcess.objects.get()

        # One minute before the first-response deadline nothing happens
        clock.move_to(ticket.first_response_due - timedelta(minutes=1))
        with django_capture_on_commit_callbacks(execute=True):
            assert fire_workflow_timers() == 0
        # One minute after it: escalated, leads and Super Admins told, once
        clock.move_to(ticket.first_response_due + timedelta(minutes=1))
        with django_capture_on_commit_callbacks(execute=True):
            assert fire_workflow_timers() == 1
        ticket.refresh_from_db()
        assert ticket.escalated_at is not None and ticket.first_response_breached
        assert not ticket.resolution_breached
        assert sorted(m.recipients[0] for m in smtp_server) == [
            "boss@example.com",
            "lead@example.com",
        ]
        assert "Support SLA missed" in smtp_server[0].subject
        assert f"/tickets/{process.pk}/" in smtp_server[0].body
        notified = Notification.objects.filter(url=f"/tickets/{process.pk}/")
        assert set(notified.values_list("user", flat=True)) == {lead.pk, admin.pk}
        work = process.task_set.get(flow_task=SupportTicketFlow.work)
        assert work.data.get("escalated") is True and work.status == STATUS.NEW
        client.force_login(finance)
        inbox = client.get("/tickets/inbox/").content.decode()
        assert "overdue" in inbox and "escalated" in inbox

        # Later sweeps do not escalate the first response again; the timer now waits for the
        # resolution due time
        clock.move_to(ticket.resolution_due - timedelta(minutes=1))
        with django_capture_on_commit_callbacks(execute=True):
            assert fire_workflow_timers() == 0
        assert notified.count() == 2
        timer = process.task_set.get(flow_task_type="TIMER", status=STATUS.SCHEDULED)
        assert timer.scheduled == ticket.resolution_due

        # The missed resolution escalates once more, to the same people, naming the resolution
        clock.move_to(start + timedelta(minutes=policy.resolution_minutes + 5))
        with django_capture_on_commit_callbacks(execute=True):
            assert fire_workflow_timers() == 1
        ticket.refresh_from_db()
        assert ticket.resolution_breached
        assert ticket.resolution_escalated_at == start + timedelta(
            minutes=policy.resolution_minutes + 5
        )
        assert ticket.escalated_at == start + timedelta(minutes=policy.first_response_minutes + 1)
        assert notified.count() == 4
        late = [m for m in smtp_server if "SLA" in m.subject]
        assert len(late) == 4 and all("resolution" in m.body for m in late[2:])
        assert not process.task_set.filter(flow_task_type="TIMER", status=STATUS.SCHEDULED)

        # Nothing more: a day later no third escalation; resolving late is counted
        clock.move_to(start + timedelta(minutes=policy.resolution_minutes + 24 * 60))
        with django_capture_on_commit_callbacks(execute=True):
            assert fire_workflow_timers() == 0
            process_services.resolve(actor=finance, ticket=ticket, resolution="Imetatuliwa.")
        ticket.refresh_from_db()
        assert ticket.resolution_breached and ticket.status == "resolved"
        assert notified.count() == 4


def test_a_ticket_answered_in_time_never_escalates(users, lead, django_capture_on_commit_callbacks):
    finance = users[Role.FINANCE]
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        with django_capture_on_commit_callbacks(execute=True):
            ticket = services.open_ticket(
                text=PAID, channel=Channel.API, email="c@example.com", actor=users[Role.MARKETING]
            )
        clock.move_to(start + timedelta(minutes=5))
        with django_capture_on_commit_callbacks(execute=True):
            process_services.reply(actor=finance, ticket=ticket, text="Tunaangalia.")
        # past the first-response due time: the timer now waits for the resolution due time
        clock.move_to(ticket.first_response_due + timedelta(minutes=10))
        assert fire_workflow_timers() == 0
        with django_capture_on_commit_callbacks(execute=True):
            process_services.resolve(actor=finance, ticket=ticket, resolution="Imetatuliwa.")
        clock.move_to(start + timedelta(days=30))
        fire_workflow_timers()
    ticket = Ticket.objects.get()
    assert ticket.escalated_at is None
    assert not ticket.first_response_breached and not ticket.resolution_breached
    assert not Notification.objects.filter(text__contains="SLA").exists()
