"""viewflow's kanban dashboard (a flow's index page), showing only the cases the user may see.

viewflow lists every task of the flow to anyone who may view the flow; each case's card
names its record (the fault, the batch: the tasks' summary templates), so the tasks are
restricted to the records the row-scoping rule lets the user see (erp/core/scoping.py).
"""

from __future__ import annotations

from django.db.models import Q
from viewflow.workflow.flow.views import DashboardView
from viewflow.workflow.status import STATUS


class ScopedDashboardView(DashboardView):
    #: the key of the process's JSON data that names its record ("fault_id", "batch_id")
    data_key = ""
    #: the record's `*_visible_to(user)` selector
    visible_to = None

    def _tasks(self):
        user = self.request.user
        tasks = self.flow_class.task_class._default_manager.filter_available(
            [self.flow_class], user
        )
        if user.sees_all_sites:
            return tasks
        visible = [str(pk) for pk in type(self).visible_to(user).values_list("pk", flat=True)]
        return tasks.filter(**{f"process__data__{self.data_key}__in": visible})

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        tasks = self._tasks()
        for column in context["columns"]:
            column["tasks"] = tasks.filter(
                Q(finished__isnull=True) | Q(status=STATUS.ERROR), flow_task=column["node"]
            )[: self.MAX_ROWS]
        context["finished"] = tasks.filter(
            finished__isnull=False, flow_task__in=context["end_nodes"]
        )[: self.MAX_ROWS]
        return context
