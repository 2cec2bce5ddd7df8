"""The Faults application: viewflow's flow app with a field-ready inbox.

The inbox lists the technician's assigned tasks and the tasks waiting in their queue, each
with site, severity and SLA time left, in three narrow columns that fit a 360 px phone.
"""

from __future__ import annotations

import uuid

from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import path
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import generic
from viewflow.workflow.flow import FlowAppViewset
from viewflow.workflow.flow.views import (
    DashboardProcessListView,
    FlowQueueListView,
)

from erp.maintenance.choices import Severity
from erp.maintenance.models import Fault
from erp.maintenance.selectors import OPEN_STATUSES, faults_visible_to
from workflows.inbox import CaseColumns, MineThenQueueInboxView, time_left_text

from ..dashboards import ScopedDashboardView, of_visible_cases
from .flows import FaultRepairFlow
from .services import process_of

SEVERITY_COLOURS = {
    Severity.CRITICAL: "#c62828",
    Severity.MAJOR: "#ef6c00",
    Severity.MINOR: "#546e7a",
}


def sla_text(fault: Fault, now=None) -> str:
    left = fault.sla_left(now)
    if left is None:
        return _("closed")
    return time_left_text(left)


class _FaultColumns(CaseColumns):
    """Columns read from each task's fault."""

    columns = ("task_link", "fault_summary", "sla_left")

    case_key = "fault_id"

    case_model = Fault
    case_related = ("site",)

    def task_link(self, task):
        url = task.flow_task.reverse("index", args=[task.process_id, task.pk])
        badge = self.queue_badge(task)
        return format_html(
            '<span style="white-space:normal"><a href="{}">#{} {}</a><br><small>{}</small></span>',
            url,
            task.process_id,
            task.title,
            badge,
        )

    task_link.short_description = gettext_lazy("Task")

    def fault_summary(self, task):
        fault = self.case_of(task)
        if fault is None:
            return ""
        return format_html(
            '<span style="white-space:normal">{}<br><b style="color:{}">{}</b></span>',
            fault.site.name,
            SEVERITY_COLOURS.get(fault.severity, "#000"),
            fault.get_severity_display(),
        )

    fault_summary.short_description = gettext_lazy("Site / severity")

    def sla_left(self, task):
        fault = self.case_of(task)
        if fault is None:
            return ""
        left = fault.sla_left()
        flag = ""
        if fault.escalated_at or (task.data or {}).get("escalated"):
            flag = _("escalated")
        colour = "#c62828" if left is not None and left.total_seconds() < 0 else "inherit"
        return format_html(
            '<span style="white-space:normal;color:{}">{}<br>'
            '<small style="color:#c62828">{}</small></span>',
            colour,
            sla_text(fault),
            flag,
        )

    sla_left.short_description = gettext_lazy("SLA")


class FaultInboxView(_FaultColumns, MineThenQueueInboxView):
    """Assigned to me, then what I may take from the queue."""


class FaultQueueView(_FaultColumns, FlowQueueListView):
    pass


class FaultProcessListView(DashboardProcessListView):
    """Every fault process the user may see (an agent: their sites' faults only)."""

    def get_queryset(self):
        queryset = self._visible()
        # newest first, unless the user sorted a column: pages never repeat or skip a process
        return queryset if queryset.ordered else queryset.order_by("-created", "-pk")

    def _visible(self):
        queryset = super().get_queryset()
        user = self.request.user
        faults = faults_visible_to(user).select_related(None)
        narrowed = False
        site = self.request.GET.get("site", "")
        if site:
            # a site page's drill-down: that site's faults (open ones with ?open=1)
            try:
                faults = faults.filter(site=uuid.UUID(site))
            except ValueError:
                return queryset.none()
            narrowed = True
        if self.request.GET.get("open"):
            faults, narrowed = faults.filter(status__in=OPEN_STATUSES), True
        if self.request.GET.get("overdue"):
            # the home page's "past SLA" tile: open and past the due time, as it counts them
            late = faults.filter(status__in=OPEN_STATUSES, due_at__lt=timezone.now())
            faults, narrowed = late, True
        if user.sees_all_sites and not narrowed:
            return queryset
        return of_visible_cases(queryset, "data", "fault_id", faults)


class FaultDashboardView(ScopedDashboardView):
    """The flow's index: only the faults the user may see (an agent: their sites')."""

    data_key = "fault_id"
    visible_to = staticmethod(faults_visible_to)


class FaultPageView(LoginRequiredMixin, generic.View):
    """``/faults/fault/<fault id>/``: the page of a fault's process, reached from the fault.

    Other pages know the fault (a site's downtime, a router going down), not the process that
    carries it; this finds the process and redirects. A fault the user may not see, or one
    without a process, is a 404: the same answer as a fault that does not exist."""

    def get(self, request, pk):
        if not request.user.has_perm("maintenance.view_fault"):
            raise Http404
        fault = get_object_or_404(faults_visible_to(request.user), pk=pk)
        process = process_of(fault)
        if process is None:
            raise Http404
        return redirect("faults:process_detail", process_pk=process.pk)


class FaultRepairAppViewset(FlowAppViewset):
    dashboard_view_class = FaultDashboardView
    inbox_view_class = FaultInboxView
    queue_view_class = FaultQueueView
    process_list_view_class = FaultProcessListView

    def __init__(self, **kwargs):
        super().__init__(FaultRepairFlow, icon="build", app_name="faults", **kwargs)

    @property
    def fault_path(self):
        """A fault's page by the fault's id (links from a downtime or a router going down)."""
        return path("fault/<uuid:pk>/", FaultPageView.as_view(), name="fault")
