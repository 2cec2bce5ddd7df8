"""Changing a ticket's priority or category: the SLA due times are recomputed from the new
priority's SlaPolicy (time already spent waiting for the customer still does not count), the
process's SLA timer follows, and a category of another team moves the waiting task to that
team's queue (an owner outside that team gives it up)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone
from viewflow.workflow.status import STATUS

from erp.accounts.roles import Role
from erp.core.exceptions import NotAllowed
from erp.support import services
from erp.support.choices import Channel, Direction
from erp.support.models import Category, SlaPolicy, Ticket
from workflows.support_ticket import services as process_services
from workflows.support_ticket.flows import SupportTicketFlow
from workflows.support_ticket.models import SupportTicketProcess

pytestmark = pytest.mark.django_db

PAID = "Nimelipa kwa M-Pesa 5000 lakini sijapata vocha yoyote, naomba msaada"


def _timer(process):
    return process.task_set.get(flow_task_type="TIMER", status=STATUS.SCHEDULED)


def test_a_refiled_ticket_gets_the_new_sla_and_moves_to_the_new_teams_queue(
    client, users, django_capture_on_commit_callbacks
):
    care, finance = users[Role.MARKETING], users[Role.FINANCE]
    high, low = SlaPolicy.objects.get(priority="high"), SlaPolicy.objects.get(priority="low")
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        with django_capture_on_commit_callbacks(execute=True):
            ticket = services.open_ticket(
                text=PAID, channel=Channel.API, email="c@example.com", actor=care
            )
        assert (ticket.category.slug, ticket.priority) == ("paid_no_voucher", "high")
        process = SupportTicketProcess.objects.get()
        work = process.task_set.get(flow_task=SupportTicketFlow.work)
        assert work.owner_permission == "support.work_billing"

        # Billing takes it and waits 40 minutes for the customer (no answer sent yet)
        clock.move_to(start + timedelta(minutes=10))
        with django_capture_on_commit_callbacks(execute=True):
            process_services.wait(actor=finance, ticket=ticket)
        clock.move_to(start + timedelta(minutes=50))
        with django_capture_on_commit_callbacks(execute=True):
            services.add_message(
                ticket=ticket, text="Bado", direction=Direction.IN, channel=Channel.EMAIL
            )
        ticket.refresh_from_db()
        assert ticket.waited == timedelta(minutes=40)
        assert ticket.first_response_due == start + timedelta(
            minutes=high.first_response_minutes + 40
        )

        # Customer Care re-files it: a voucher that does not work, low priority
        clock.move_to(start + timedelta(minutes=55))
        voucher = Category.objects.get(slug="voucher_not_working")
        client.force_login(care)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                f"/api/v1/tickets/{ticket.pk}/category/",
                {"category": "voucher_not_working", "priority": "low"},
                content_type="application/json",
            )
        assert response.status_code == 200, response.content
        ticket.refresh_from_db()
        assert (ticket.category, ticket.priority) == (voucher, "low")
        assert ticket.first_response_due == start + timedelta(
            minutes=low.first_response_minutes + 40
        )
        assert ticket.resolution_due == start + timedelta(minutes=low.resolution_minutes + 40)
        assert _timer(process).scheduled == ticket.first_response_due
        work.refresh_from_db()
        # Finance does not work Customer Care tickets: the task is back in a queue, Care's
        assert work.owner_permission == "support.work_customer_care"
        assert work.owner_id is None and work.status == STATUS.NEW
        work.process = process  # the proxy, which knows its ticket
        assert SupportTicketFlow.work.can_assign(care, work)
        assert not SupportTicketFlow.work.can_assign(finance, work)

        # A lead raises it to urgent by API: the due times and the timer follow again
        urgent = SlaPolicy.objects.get(priority="urgent")
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                f"/api/v1/tickets/{ticket.pk}/priority/",
                {"priority": "urgent"},
                content_type="application/json",
            )
        assert response.status_code == 200, response.content
        ticket.refresh_from_db()
        assert ticket.resolution_due == start + timedelta(minutes=urgent.resolution_minutes + 40)
        assert _timer(process).scheduled == ticket.first_response_due
        work.refresh_from_db()
        assert work.owner_permission == "support.work_customer_care"


def test_bad_priority_changes_change_nothing(client, users):
    care, technical = users[Role.MARKETING], users[Role.TECHNICAL]
    ticket = services.open_ticket(text=PAID, channel=Channel.API, email="c@x.org", actor=care)
    before = Ticket.objects.values("priority", "first_response_due", "resolution_due").get()
    with pytest.raises(ValidationError):
        services.set_priority(ticket=ticket, priority="whenever", actor=care)
    with pytest.raises(NotAllowed):
        services.set_priority(ticket=ticket, priority="low", actor=technical)
    client.force_login(care)
    response = client.post(
        f"/api/v1/tickets/{ticket.pk}/priority/",
        {"priority": "soon"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert Ticket.objects.values("priority", "first_response_due", "resolution_due").get() == before


def _work_url(process, action):
    task = process.task_set.get(flow_task=SupportTicketFlow.work)
    return f"/tickets/{process.pk}/work/{task.pk}/{action}"


def test_customer_care_changes_the_priority_on_the_task_page(
    client, users, django_capture_on_commit_callbacks
):
    care = users[Role.MARKETING]
    urgent = SlaPolicy.objects.get(priority="urgent")
    with django_capture_on_commit_callbacks(execute=True):
        ticket = services.open_ticket(
            text="Internet iko slow sana leo", channel=Channel.API, email="s@x.org", actor=care
        )
    assert ticket.team == "customer_care" and ticket.priority != "urgent"
    process = SupportTicketProcess.objects.get()
    client.force_login(care)
    assert client.post(_work_url(process, "assign/")).status_code == 302
    page = client.get(_work_url(process, "execute/")).content.decode()
    assert 'name="priority"' in page
    assert f'<option value="{ticket.priority}" selected>' in page

    # an unknown priority: the page says so, nothing changes
    bad = client.post(_work_url(process, "execute/"), {"action": "priority", "priority": "asap"})
    assert bad.status_code == 400 and "asap" in bad.content.decode()
    assert Ticket.objects.get().priority == ticket.priority

    # urgent: the due times come from the urgent policy, the SLA timer follows
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(
            _work_url(process, "execute/"), {"action": "priority", "priority": "urgent"}
        )
    assert done.status_code == 302
    ticket.refresh_from_db()
    assert ticket.priority == "urgent"
    assert ticket.first_response_due == ticket.created_at + timedelta(
        minutes=urgent.first_response_minutes
    )
    assert ticket.resolution_due == ticket.created_at + timedelta(minutes=urgent.resolution_minutes)
    assert _timer(process).scheduled == ticket.first_response_due
    # the work task stays open with its owner
    work = process.task_set.get(flow_task=SupportTicketFlow.work)
    assert work.status == STATUS.ASSIGNED and work.owner == care
    assert "Urgent" in client.get(_work_url(process, "execute/")).content.decode()


def test_a_billing_officer_sees_no_priority_field_and_may_not_post_one(
    client, users, django_capture_on_commit_callbacks
):
    care, finance = users[Role.MARKETING], users[Role.FINANCE]
    with django_capture_on_commit_callbacks(execute=True):
        ticket = services.open_ticket(text=PAID, channel=Channel.API, email="b@x.org", actor=care)
    assert ticket.team == "billing"
    process = SupportTicketProcess.objects.get()
    client.force_login(finance)
    assert client.post(_work_url(process, "assign/")).status_code == 302
    page = client.get(_work_url(process, "execute/")).content.decode()
    assert "Resolve" in page and 'name="priority"' not in page
    refused = client.post(_work_url(process, "execute/"), {"action": "priority", "priority": "low"})
    assert refused.status_code == 403
    assert Ticket.objects.get().priority == ticket.priority
