"""Support ticket: (triage when the classifier was unsure) → the category's team works it
(replies, notes, waiting for the customer) → resolved, the customer told and asked to rate →
closed after the reopen window, or back to the team if the customer writes again.

Each team's tasks wait for the permission ``support.work_<team>`` (Customer Care, Billing
Officer, Field Technician), so each role's inbox and queue hold its own tickets. An SLA timer
on the open steps (the fault process's kind, fired by the same beat sweep) escalates a late
ticket once; it is paused while the ticket waits for the customer.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import flow
from viewflow.workflow.lock import SelectForUpdateLock
from viewflow.workflow.status import STATUS

from erp.notifications.services import unless_nobody_else
from erp.support import services
from erp.support.choices import TicketStatus
from erp.support.selectors import tickets_visible_to

from ..notices import queue_holders, task_created
from . import views
from .models import SupportTicketProcess

TICKETS_URL = "/tickets/"
# a timer needs a due time; a paused clock is parked this far ahead until the ticket moves
PARKED = timedelta(days=3650)


def team_permission(activation) -> str:
    return f"support.work_{activation.process.ticket.team}"


class WorkNode(flow.View):
    """Offered to the ticket's team; a support lead may also act on it."""

    def can_assign(self, user, task):
        ticket = task.process.ticket
        return bool(super().can_assign(user, task) and ticket and services.may_work(user, ticket))

    def can_execute(self, user, task):
        return super().can_execute(user, task)


class SupportTicketFlow(flow.Flow):
    process_class = SupportTicketProcess
    lock_impl = SelectForUpdateLock(nowait=False)
    process_title = _("Support tickets")
    process_description = _(
        "Triage, the team answers and resolves, the customer rates; reopened within 7 days."
    )

    start = (
        flow.StartHandle(this.attach_ticket)
        .Annotation(title=_("Ticket opened"))
        .Next(this.check_triage)
    )
    check_triage = (
        flow.If(lambda activation: activation.process.ticket.needs_triage)
        .Annotation(title=_("Classifier unsure?"))
        .Then(this.triage)
        .Else(this.work)
    )
    triage = (
        flow.View(views.TriageView.as_view())
        .Annotation(title=_("File the ticket"))
        .Permission("support.triage_ticket")
        .onCreate(task_created)
        .OnTimeout(this.sla_deadline, this.sla_missed, interrupting=False, title=_("SLA missed"))
        .Next(this.work)
    )
    work = (
        WorkNode(views.WorkView.as_view())
        .Annotation(title=_("Answer and resolve"))
        .Permission(team_permission)
        .Assign(this.last_worker)
        .onCreate(task_created)
        .OnTimeout(this.sla_deadline, this.sla_missed, interrupting=False, title=_("SLA missed"))
        .Next(this.resolved)
    )
    resolved = (
        flow.Handle(this.customer_wrote_again)
        .Annotation(title=_("Resolved: the customer may reopen it"))
        .OnTimeout(this.reopen_window_end, this.close, title=_("Reopen window over"))
        .Next(this.work)
    )
    close = flow.Function(this.close_ticket).Annotation(title=_("Close")).Next(this.end)
    sla_missed = (
        flow.Function(this.escalate_ticket).Annotation(title=_("Escalate")).Next(this.escalated)
    )
    escalated = flow.End().Annotation(title=_("Lead and Super Admin notified"))
    end = flow.End().Annotation(title=_("Closed"))

    def attach_ticket(self, activation, ticket) -> None:
        activation.process.ticket_id = str(ticket.pk)

    def sla_deadline(self, activation):
        """The ticket's next due time (first response, then resolution); parked far ahead
        while the clock is paused (services.sync_sla_timers moves it when the ticket moves)."""
        due = activation.process.ticket.next_escalation_due()
        return due or timezone.now() + PARKED

    def last_worker(self, activation):
        """A reopened ticket goes back to whoever resolved it; a new one waits in the queue."""
        last = (
            activation.process.task_set.filter(
                flow_task=self.work, owner__isnull=False, owner__is_active=True
            )
            .order_by("-created")
            .select_related("owner")
            .first()
        )
        return last.owner if last else None

    def waiting_for(self, task) -> list:
        """A ticket to file: the triagers; a ticket for a team: its members (who see its site)."""
        return unless_nobody_else(queue_holders(task, site=task.process.ticket.site_id))

    def waiting_text(self, task) -> str:
        ticket = task.process.ticket
        values = {"number": ticket.number, "subject": ticket.subject}
        if task.flow_task is self.triage:
            return _("Ticket #%(number)s to file: %(subject)s") % values
        if task.owner_id:
            return _("Ticket #%(number)s is yours to answer: %(subject)s") % values
        return _("Ticket #%(number)s waiting for your team: %(subject)s") % values

    def reopen_window_end(self, activation):
        ticket = activation.process.ticket
        return (ticket.resolved_at or timezone.now()) + services.REOPEN_WINDOW

    def customer_wrote_again(self, activation) -> None:
        """Run by services.on_ticket_reopened: the customer wrote within the window."""

    def close_ticket(self, activation) -> None:
        services.close(ticket=activation.process.ticket)

    def escalate_ticket(self, activation) -> None:
        process = activation.process
        ticket = process.ticket
        if ticket is None or ticket.status not in (TicketStatus.NEW, TicketStatus.OPEN):
            return
        escalated = services.check_sla(ticket=ticket, url=f"{TICKETS_URL}{process.pk}/")
        open_tasks = process.task_set.filter(flow_task_type="HUMAN", finished__isnull=True)
        for task in open_tasks.exclude(status="CANCELED"):
            if escalated:
                task.data = {**(task.data or {}), "escalated": True}
                task.save(update_fields=["data"])
            self._rearm_sla_timer(process, task)

    def _rearm_sla_timer(self, process, host_task) -> None:
        """The timer fired once; the next deadline (the resolution after a missed first
        response) gets a new one on the same task, unless it has one or nothing is left."""
        ticket = process.ticket
        if ticket is None or ticket.next_escalation_due() is None:
            return
        for boundary in host_task.flow_task._boundary_events:
            armed = process.task_set.filter(
                flow_task=boundary, previous=host_task, status=STATUS.SCHEDULED
            )
            if not armed.exists():
                host_task.process = process  # the proxy: the timer's due time reads its ticket
                boundary._arm(host_task.flow_task.activation_class(host_task))

    def has_view_permission(self, user, obj=None) -> bool:
        if not (user.is_authenticated and user.has_perm("support.view_ticket")):
            return False
        ticket_id = (getattr(obj, "data", None) or {}).get("ticket_id")
        if ticket_id:
            return tickets_visible_to(user).filter(pk=ticket_id).exists()
        return True

    def has_manage_permission(self, user, obj=None) -> bool:
        return user.is_authenticated and user.has_perm("support.supervise_ticket")
