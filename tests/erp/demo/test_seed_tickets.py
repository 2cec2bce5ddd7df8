"""seed_demo opens a handful of support tickets across channels, teams and states, once, so a
first `make run` shows a living ticket inbox and a Support analytics page."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone
from viewflow.workflow.status import STATUS

from analytics import support as support_analytics
from analytics.filters import Filters
from erp.notifications.models import Notification
from erp.support.choices import Channel, TicketStatus
from erp.support.models import Ticket
from workflows.support_ticket.flows import SupportTicketFlow
from workflows.support_ticket.services import process_of


def _open_task(ticket):
    return (
        process_of(ticket)
        .task_set.filter(status__in=[STATUS.NEW, STATUS.ASSIGNED])
        .exclude(flow_task_type="TIMER")
        .get()
    )


@pytest.mark.django_db
def test_seed_demo_opens_tickets_in_every_state_once(roles):
    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert "support tickets" in out.getvalue()
    again = StringIO()
    call_command("seed_demo", stdout=again)
    assert "support tickets" not in again.getvalue()

    tickets = list(Ticket.objects.select_related("category").order_by("created_at"))
    assert len(tickets) == 7
    assert {t.channel for t in tickets} == {
        Channel.SMS,
        Channel.EMAIL,
        Channel.PORTAL,
        Channel.DESK,
    }
    assert len({t.category.slug for t in tickets if t.category_id}) >= 5
    assert len({t.priority for t in tickets}) >= 2
    # every ticket has its process (started in the seed, not after its commit)
    assert all(process_of(t) is not None for t in tickets)
    # the past is in the past: opened over the last days, the analytics count them by day
    now = timezone.now()
    assert min(t.created_at for t in tickets) < now - dt.timedelta(days=2)

    # one the classifier was unsure of waits for triage
    triage = [t for t in tickets if t.needs_triage]
    assert len(triage) == 1 and triage[0].status == TicketStatus.NEW
    assert _open_task(triage[0]).flow_task == SupportTicketFlow.triage

    # new tickets in a team's queue (billing, field), nobody's yet
    queued = {
        _open_task(t).owner_permission: _open_task(t)
        for t in tickets
        if t.status == TicketStatus.NEW and not t.needs_triage
    }
    assert {"support.work_billing", "support.work_field"} <= set(queued)
    assert all(task.owner_id is None for task in queued.values())

    # one asked and waiting for the customer: the clock is paused, the answer was sent
    waiting = Ticket.objects.get(status=TicketStatus.WAITING)
    assert waiting.paused_at is not None and waiting.first_responded_at is not None
    assert waiting.channel == Channel.EMAIL
    assert _open_task(waiting).owner.username == "marketing"

    # two resolved and rated, within their SLA
    resolved = Ticket.objects.filter(status=TicketStatus.RESOLVED).order_by("rating")
    assert [t.rating for t in resolved] == [4, 5]
    assert not any(t.resolution_breached or t.first_response_breached for t in resolved)
    assert {t.category.team for t in resolved} == {"billing", "customer_care"}

    # one whose deadlines passed: breached and escalated to the leads and Super Admins
    breached = Ticket.objects.get(resolution_breached=True)
    assert breached.first_response_breached and breached.escalated_at is not None
    assert breached.status == TicketStatus.NEW
    assert Notification.objects.filter(text__contains=breached.reference).exists()
    assert Ticket.objects.filter(first_response_breached=True).count() == 1

    # the analytics page has something on every chart
    period = Filters(
        start=timezone.localdate() - dt.timedelta(days=7),
        end=timezone.localdate() + dt.timedelta(days=1),
    )
    assert support_analytics.tickets_per_day(period)["tickets"].sum() == 7
    assert support_analytics.satisfaction(period)["tickets"].sum() == 2
    backlog = support_analytics.backlog_by_team(period).set_index("team")
    assert backlog.loc["customer_care", "waiting"] == 1
    assert backlog["total"].sum() == 5
    times = support_analytics.response_times(period).set_index("measure")
    assert times["breaches"].sum() >= 2
