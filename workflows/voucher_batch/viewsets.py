"""The Voucher batches application: viewflow's flow app, its dashboard scoped to the batches
the user may see (each card names the batch: "20 × 1 Day @ Kariakoo by Baraka"), and an inbox
that names each case as the fault and ticket inboxes do (not viewflow's "#4/18", "2 hours")."""

from __future__ import annotations

from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from viewflow.workflow.flow import FlowAppViewset
from viewflow.workflow.flow.views import FlowQueueListView

from erp.core import formats
from erp.vouchers.models import VoucherBatch
from erp.vouchers.selectors import batches_visible_to
from workflows.inbox import CaseColumns, MineThenQueueInboxView

from ..dashboards import ScopedDashboardView
from .flows import VoucherBatchFlow


class BatchDashboardView(ScopedDashboardView):
    data_key = "batch_id"
    visible_to = staticmethod(batches_visible_to)


class _BatchColumns(CaseColumns):
    """The case (the batch), who asked and what it is worth, since when it waits."""

    columns = ("task_link", "batch_summary", "waiting")

    case_key = "batch_id"

    case_model = VoucherBatch
    case_related = ("package", "router", "requested_by")

    def task_link(self, task):
        url = task.flow_task.reverse("index", args=[task.process_id, task.pk])
        badge = self.queue_badge(task)
        batch = self.case_of(task)
        return format_html(
            '<span style="white-space:normal"><a href="{}">{}</a><br><small>{} · {}</small></span>',
            url,
            batch if batch is not None else task.title,
            task.title,
            badge,
        )

    task_link.short_description = gettext_lazy("Batch")

    def batch_summary(self, task):
        batch = self.case_of(task)
        if batch is None:
            return ""
        who = formats.person(batch.requested_by) if batch.requested_by_id else _("the system")
        return format_html(
            '<span style="white-space:normal">{}<br><small>{}</small></span>',
            _("by %(person)s") % {"person": who},
            formats.money(batch.face_value, currency=True),
        )

    batch_summary.short_description = gettext_lazy("Requested")

    def waiting(self, task):
        return _("since %(when)s") % {"when": formats.date_time(task.created)}

    waiting.short_description = gettext_lazy("Waiting")


class BatchInboxView(_BatchColumns, MineThenQueueInboxView):
    """Assigned to me, then what I may take from the queue."""


class BatchQueueView(_BatchColumns, FlowQueueListView):
    pass


class VoucherBatchAppViewset(FlowAppViewset):
    dashboard_view_class = BatchDashboardView
    inbox_view_class = BatchInboxView
    queue_view_class = BatchQueueView

    def __init__(self, **kwargs):
        super().__init__(VoucherBatchFlow, icon="confirmation_number", app_name="batches", **kwargs)
