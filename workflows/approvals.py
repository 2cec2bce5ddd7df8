"""Everything waiting for the user's approval, on one page (issue 23: "Finance gets a list of
everything waiting for their approval").

Two kinds of work wait for an approver: expenses (erp.finance, four eyes: never one's own)
and voucher batch requests (the batch flow's decide step, in the user's queue or taken by
them). Each row names the case and links to the page where it is decided.
"""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin
from django.db.models import Q
from django.urls import reverse
from django.views.generic import TemplateView
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from erp.finance.choices import ExpenseStatus
from erp.finance.selectors import expenses_visible_to
from erp.vouchers.models import VoucherBatch

from .voucher_batch.flows import VoucherBatchFlow

LIMIT = 100


def expenses_waiting(user) -> list:
    """Pending expenses the user may decide (not their own), oldest first."""
    if not user.has_perm("finance.change_expense"):
        return []
    rows = (
        expenses_visible_to(user)
        .filter(status=ExpenseStatus.PENDING)
        .exclude(recorded_by=user)
        .select_related("site", "recorded_by")
        .order_by("spent_on", "pk")[:LIMIT]
    )
    return [{"expense": e, "url": reverse("finance:expense:detail", args=[e.pk])} for e in rows]


def batches_waiting(user) -> list:
    """Batch requests whose decision the user may take or has taken, oldest first."""
    node = VoucherBatchFlow.decide
    queue = Task.objects.user_queue(user, flow_class=VoucherBatchFlow).filter(
        status=STATUS.NEW, flow_task=node
    )
    tasks = list(
        Task.objects.filter(flow_task=node)
        .filter(Q(pk__in=queue.values("pk")) | Q(owner=user, status=STATUS.ASSIGNED))
        .select_related("process")
        .order_by("created")[:LIMIT]
    )
    ids = {t.process.data.get("batch_id") for t in tasks}
    batches = {
        str(b.pk): b
        for b in VoucherBatch.objects.filter(pk__in=[i for i in ids if i]).select_related(
            "package", "router__site", "requested_by", "agent"
        )
    }
    rows = []
    for task in tasks:
        batch = batches.get(task.process.data.get("batch_id"))
        if batch is None or batch.requested_by_id == user.pk:  # four eyes
            continue
        rows.append(
            {
                "batch": batch,
                "taken": task.owner_id == user.pk,
                "url": task.flow_task.reverse("index", args=[task.process_id, task.pk]),
            }
        )
    return rows


class ApprovalsView(LoginRequiredMixin, TemplateView):
    template_name = "erp/approvals.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["expenses"] = expenses_waiting(user)
        context["batches"] = batches_waiting(user)
        return context
