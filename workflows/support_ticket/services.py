"""Driving the ticket process from code: intake starts it (a domain event of erp.support), the
API completes its steps, the customer's message reopens it, and its SLA timers follow the
ticket (paused while waiting for the customer). Each step completes the same task the page
would, so a ticket worked by API waits in the same inboxes and queues."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from viewflow.workflow.status import STATUS

from erp.accounts.models import User
from erp.core.exceptions import NotAllowed
from erp.support import services as support
from erp.support.choices import TicketStatus
from erp.support.models import Category, Ticket

from .flows import PARKED, SupportTicketFlow
from .handover import hand_over
from .models import SupportTicketProcess

log = logging.getLogger(__name__)

INBOX_URL = "/tickets/inbox/"
_TIMERS = ("triage__timeout", "work__timeout")


def process_of(ticket: Ticket) -> SupportTicketProcess | None:
    return SupportTicketProcess.objects.filter(
        flow_class=SupportTicketFlow, data__ticket_id=str(ticket.pk)
    ).first()


# --- started and moved by erp.support's events --------------------------------------------------
def start(ticket: Ticket) -> SupportTicketProcess | None:
    """The ticket's process (once: a replayed event starts nothing). A duplicate, closed at
    opening, has none."""
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
        existing = process_of(ticket)
        if existing is not None or ticket.duplicate_of_id or ticket.status == TicketStatus.CLOSED:
            return existing
        SupportTicketFlow.start.run(ticket=ticket)
        return process_of(ticket)


def on_ticket_opened(payload: dict[str, Any]) -> None:
    ticket = Ticket.objects.filter(pk=payload["ticket"]).first()
    if ticket is not None:
        start(ticket)


def on_ticket_reopened(payload: dict[str, Any]) -> None:
    """The customer wrote within the reopen window: back to the team (to whoever resolved it)."""
    ticket = Ticket.objects.filter(pk=payload["ticket"]).first()
    process = ticket and process_of(ticket)
    if process is None:
        return
    with transaction.atomic(), SupportTicketFlow.lock(process.pk):
        task = process.task_set.filter(
            flow_task=SupportTicketFlow.resolved, status=STATUS.NEW
        ).first()
        if task is not None and ticket.status == TicketStatus.OPEN:
            SupportTicketFlow.resolved.run(task)


def on_ticket_changed(payload: dict[str, Any]) -> None:
    ticket = Ticket.objects.filter(pk=payload["ticket"]).first()
    if ticket is not None:
        follow_team(ticket)
        sync_sla_timers(ticket)


def follow_team(ticket: Ticket) -> bool:
    """The ticket's category (so its team) changed: its waiting work task moves to the new
    team's queue; an owner who does not work that team's tickets gives it up. Returns True
    when the task moved."""
    process = process_of(ticket)
    if process is None:
        return False
    permission = f"support.work_{ticket.team}"
    with transaction.atomic(), SupportTicketFlow.lock(process.pk):
        task = _open_task(process, SupportTicketFlow.work)
        if task is None or task.owner_permission == permission:
            return False
        task.owner_permission = permission
        if task.owner_id and not support.may_work(task.owner, ticket):
            task.owner = None
            task.status = STATUS.NEW
        task.save(update_fields=["owner_permission", "owner", "status"])
    log.info("ticket %s moved to the %s queue", ticket.number, ticket.team)
    return True


def sync_sla_timers(ticket: Ticket) -> int:
    """Point the process's armed SLA timer at the ticket's next due time: parked while it waits
    for the customer, later once answered (the resolution), moved when a wait ended. Returns
    the timers moved."""
    process = process_of(ticket)
    if process is None:
        return 0
    due = ticket.next_escalation_due() or timezone.now() + PARKED
    moved = 0
    with transaction.atomic(), SupportTicketFlow.lock(process.pk):
        for task in process.task_set.filter(status=STATUS.SCHEDULED, flow_task_type="TIMER"):
            if task.flow_task.name in _TIMERS and task.scheduled != due:
                task.scheduled = due
                task.save(update_fields=["scheduled"])
                moved += 1
    return moved


# --- the steps, from the API --------------------------------------------------------------------
def _open_task(process, node):
    return process.task_set.filter(flow_task=node, status__in=[STATUS.NEW, STATUS.ASSIGNED]).first()


def _take(actor: User, ticket: Ticket, node):
    """Under the process lock: the open task of ``node``, assigned to ``actor`` (taken from the
    queue, or from a colleague only by a support lead)."""
    process = process_of(ticket)
    task = process and _open_task(process, node)
    if task is None:
        raise ValidationError(_("This ticket is not waiting for that step."), code="wrong_step")
    activation = node.activation_class(task)
    if task.status == STATUS.NEW:
        if not node.can_assign(actor, task):
            raise NotAllowed(_("This ticket is not in your team's queue."))
        activation.assign(actor)
    elif task.owner_id != actor.pk:
        if not actor.has_perm("support.supervise_ticket"):
            raise NotAllowed(_("This ticket is assigned to %(name)s.") % {"name": task.owner})
        activation.reassign(actor)
    return task, activation


def _complete(actor: User, ticket: Ticket, node, work):
    process = process_of(ticket)
    if process is None:
        raise ValidationError(_("This ticket is not waiting for that step."), code="wrong_step")
    with transaction.atomic(), SupportTicketFlow.lock(process.pk):
        _task, activation = _take(actor, ticket, node)
        activation.start(None)
        result = work()
        activation.execute()
    return result


def triage(
    *, actor: User, ticket: Ticket, category: Category, priority: str | None = None
) -> Ticket:
    return _complete(
        actor,
        ticket,
        SupportTicketFlow.triage,
        lambda: support.set_category(
            ticket=ticket, category=category, actor=actor, priority=priority
        ),
    )


def _working(actor: User, ticket: Ticket, work):
    """A reply, note or wait: the work task becomes ``actor``'s (from the queue) and stays open."""
    process = process_of(ticket)
    if process is None or _open_task(process, SupportTicketFlow.work) is None:
        raise ValidationError(_("This ticket is not waiting for its team."), code="wrong_step")
    with transaction.atomic(), SupportTicketFlow.lock(process.pk):
        _take(actor, ticket, SupportTicketFlow.work)
        return work()


def reply(*, actor: User, ticket: Ticket, text: str, now: datetime | None = None):
    return _working(
        actor, ticket, lambda: support.reply(ticket=ticket, text=text, actor=actor, now=now)
    )


def note(*, actor: User, ticket: Ticket, text: str):
    return _working(actor, ticket, lambda: support.add_note(ticket=ticket, text=text, actor=actor))


def wait(*, actor: User, ticket: Ticket, text: str = "", now: datetime | None = None):
    return _working(
        actor,
        ticket,
        lambda: support.wait_for_customer(ticket=ticket, text=text, actor=actor, now=now),
    )


def resolve(*, actor: User, ticket: Ticket, resolution: str, now: datetime | None = None) -> Ticket:
    return _complete(
        actor,
        ticket,
        SupportTicketFlow.work,
        lambda: support.resolve(ticket=ticket, resolution=resolution, actor=actor, now=now),
    )


def reassign(*, actor: User, ticket: Ticket, owner: User) -> None:
    """Hand the work task to ``owner`` (someone of the ticket's team)."""
    process = process_of(ticket)
    if process is None:
        raise ValidationError(_("This ticket is not waiting for its team."), code="wrong_step")
    with transaction.atomic(), SupportTicketFlow.lock(process.pk):
        task = _open_task(process, SupportTicketFlow.work)
        if task is None:
            raise ValidationError(_("This ticket is not waiting for its team."))
        hand_over(actor=actor, task=task, ticket=ticket, owner=owner)
