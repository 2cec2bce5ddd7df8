"""viewflow's kanban dashboard (a flow's index page), showing only the cases the user may see.

viewflow lists every task of the flow to anyone who may view the flow; each case's card
names its record (the fault, the batch: the tasks' summary templates), so the tasks are
restricted to the records the row-scoping rule lets the user see (erp/core/scoping.py).
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet, UUIDField, Value
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, NullIf
from viewflow.workflow.flow.views import DashboardView
from viewflow.workflow.status import STATUS


def of_visible_cases(queryset: QuerySet, data: str, key: str, visible: QuerySet) -> QuerySet:
    """The rows of ``queryset`` (processes or tasks) whose case is among ``visible``: the
    case's id is at ``key`` in the JSON field ``data`` ("data", "process__data").

    A correlated EXISTS on the case's primary key, not a list of every visible id: at 1,000
    sites Finance sees ~470,000 batches, and an IN list of them took 23 s to build and send
    (bench/pages.py). A process not yet naming its case ("") matches nothing."""
    case_id = Cast(NullIf(KeyTextTransform(key, data), Value("")), UUIDField())
    return queryset.alias(_case_id=case_id).filter(
        Exists(visible.order_by().filter(pk=OuterRef("_case_id")))
    )


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
        return of_visible_cases(tasks, "process__data", self.data_key, type(self).visible_to(user))

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
