"""The Tickets application: viewflow's flow app with a support inbox.

The inbox lists the user's assigned tickets and those waiting in their team's queue, each with
its number, subject, priority and SLA time left, in three narrow columns that fit a phone."""

from __future__ import annotations

from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from viewflow.workflow.flow import FlowAppViewset
from viewflow.workflow.flow.views import (
    DashboardProcessListView,
    FlowQueueListView,
)

from erp.support.choices import Priority
from erp.support.models import Ticket
from erp.support.selectors import tickets_visible_to
from workflows.inbox import CaseColumns, MineThenQueueInboxView, time_left_text

from ..dashboards import of_visible_cases
from .flows import SupportTicketFlow

PRIORITY_COLOURS = {
    Priority.URGENT: "#c62828",
    Priority.HIGH: "#ef6c00",
    Priority.NORMAL: "#37474f",
    Priority.LOW: "#78909c",
}


def sla_text(ticket: Ticket, now=None) -> str:
    if ticket.paused_at is not None:
        return _("paused (waiting)")
    due = ticket.sla_deadline()
    if due is None:
        return ""
    left = due - (now or timezone.now())
    return time_left_text(left)


class _TicketColumns(CaseColumns):
    """Columns read from each task's ticket."""

    columns = ("task_link", "ticket_summary", "sla_left")

    case_key = "ticket_id"

    case_model = Ticket
    case_related = ("category", "site")

    def task_link(self, task):
        url = task.flow_task.reverse("index", args=[task.process_id, task.pk])
        ticket = self.case_of(task)
        badge = self.queue_badge(task)
        return format_html(
            '<span style="white-space:normal"><a href="{}">{} {}</a><br><small>{} · {}</small>'
            "</span>",
            url,
            ticket.reference if ticket else f"#{task.process_id}",
            (ticket.subject[:60] if ticket else ""),
            task.title,
            badge,
        )

    task_link.short_description = gettext_lazy("Ticket")

    def ticket_summary(self, task):
        ticket = self.case_of(task)
        if ticket is None:
            return ""
        return format_html(
            '<span style="white-space:normal">{}<br><b style="color:{}">{}</b></span>',
            ticket.category or _("to file"),
            PRIORITY_COLOURS.get(ticket.priority, "#000"),
            ticket.get_priority_display(),
        )

    ticket_summary.short_description = gettext_lazy("Category / priority")

    def sla_left(self, task):
        ticket = self.case_of(task)
        if ticket is None:
            return ""
        due = ticket.sla_deadline()
        late = due is not None and due < timezone.now()
        flag = _("escalated") if ticket.escalated_at or (task.data or {}).get("escalated") else ""
        return format_html(
            '<span style="white-space:normal;color:{}">{}<br>'
            '<small style="color:#c62828">{}</small></span>',
            "#c62828" if late else "inherit",
            sla_text(ticket),
            flag,
        )

    sla_left.short_description = gettext_lazy("SLA")


class TicketInboxView(_TicketColumns, MineThenQueueInboxView):
    """Assigned to me, then what my team's queue offers me."""


class TicketQueueView(_TicketColumns, FlowQueueListView):
    pass


class TicketProcessListView(DashboardProcessListView):
    """Every ticket process the user may see (scoped staff: their sites' and unsited ones)."""

    def get_queryset(self):
        queryset = super().get_queryset()
        user = self.request.user
        if user.sees_all_sites:
            return queryset
        return of_visible_cases(queryset, "data", "ticket_id", tickets_visible_to(user))


class SupportTicketAppViewset(FlowAppViewset):
    inbox_view_class = TicketInboxView
    queue_view_class = TicketQueueView
    process_list_view_class = TicketProcessListView

    # one menu entry for support: the process's inbox and queue, plus the ticket list and the
    # desk form (erp.frontend.SupportApp, not in the menu itself)
    title = gettext_lazy("Support")
    menu_template_name = "support_ticket/menu.html"

    def __init__(self, **kwargs):
        super().__init__(SupportTicketFlow, icon="support_agent", app_name="tickets", **kwargs)
