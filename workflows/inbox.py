"""The inbox every flow app shows: the human tasks assigned to me, then the ones my queue
offers me (viewflow's own inbox lists only the first)."""

from __future__ import annotations

from django.db.models import Q
from viewflow.utils import viewprop
from viewflow.workflow.flow.views import FlowInboxListView
from viewflow.workflow.status import STATUS


class MineThenQueueInboxView(FlowInboxListView):
    @viewprop
    def queryset(self):
        tasks = self.model._default_manager.select_related("process", "owner")
        user = self.request.user
        queue = tasks.user_queue(user, flow_class=self.flow_class).filter(status=STATUS.NEW)
        return (
            tasks.filter(process__flow_class=self.flow_class, flow_task_type="HUMAN")
            .filter(Q(owner=user, status=STATUS.ASSIGNED) | Q(pk__in=queue.values("pk")))
            .order_by("status", "created")
        )
