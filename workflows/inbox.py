"""The inbox every flow app shows: the human tasks assigned to me, then the ones my queue
offers me (viewflow's own inbox lists only the first)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Model, Q, QuerySet
from django.utils.translation import gettext as _
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


class CaseColumns:
    """Inbox columns read from each task's case, the record its process is about (its id is
    ``process.data[case_key]``): the cases of a page are loaded in one query, a case not among
    them (a task that appeared since) by one more. Each flow names its key, model and the
    related rows to load with it."""

    case_key = ""
    case_model: type[Model]
    case_related: tuple[str, ...] = ()
    object_link_columns = ()

    def cases(self) -> QuerySet:
        return self.case_model.objects.select_related(*self.case_related)

    def object_list_page(self):
        page = getattr(self, "_page_cache", None)
        if page is None:
            page = self._page_cache = list(self.get_queryset()[:200])
        return page

    def case_of(self, task):
        if not hasattr(self, "_case_cache"):
            ids = {t.process.data.get(self.case_key) for t in self.object_list_page()}
            self._case_cache = {
                str(c.pk): c for c in self.cases().filter(pk__in=[i for i in ids if i])
            }
        case_id = task.process.data.get(self.case_key)
        case = self._case_cache.get(case_id)
        if case is None and case_id:
            case = self._case_cache[case_id] = self.cases().filter(pk=case_id).first()
        return case

    def queue_badge(self, task) -> str:
        return _("mine") if task.owner_id == self.request.user.pk else _("queue")


def time_left_text(left: dt.timedelta) -> str:
    """Time to a deadline as the inboxes show it: "1 h 05 min left" or "overdue 12 min"."""
    minutes = int(abs(left.total_seconds()) // 60)
    span = (
        _("%(hours)d h %(minutes)02d min") % {"hours": minutes // 60, "minutes": minutes % 60}
        if minutes >= 60
        else _("%(n)d min") % {"n": minutes}
    )
    return (
        _("%(span)s left") % {"span": span}
        if left.total_seconds() >= 0
        else _("overdue %(span)s") % {"span": span}
    )
