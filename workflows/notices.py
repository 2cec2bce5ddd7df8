"""Telling people that a workflow task now waits for them (issue 23: "nobody is told about work
waiting").

Each human step of the flow apps (fault repair, voucher batch, support ticket) calls
``task_created`` when viewflow creates its task (``.onCreate``), and a hand-over to another
person calls ``task_handed_over``. Both only *announce* ``workflows.task_waiting`` (a durable
domain event, erp.core.events) inside the transaction that created the task; after the commit,
``on_task_waiting`` tells:

- the task's owner, when it was assigned to someone (a technician, the reporter, a ticket's
  last worker or the colleague it was handed to);
- otherwise everyone its queue offers it to: the holders of the task's permission whose site
  scope includes the case's site and whom the node itself would let take it (four eyes, the
  ticket's team, the verifier rule). Each flow narrows that list with ``waiting_for``.

The person who handed the work over is never told, and one task (or one hand-over of it to one
person) tells each person once. The link opens the task.
"""

from __future__ import annotations

from typing import Any

from django.urls import get_resolver
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from erp.accounts.models import User
from erp.core import events
from erp.notifications.services import hand_over, holders_of

TASK_WAITING = "workflows.task_waiting"


def task_created(activation) -> None:
    """viewflow ``.onCreate`` hook of every human step: the task waits for its owner, or in
    its queue. The person who completed the previous step handed it over."""
    task = activation.task
    previous = task.previous.exclude(owner__isnull=True).values_list("owner_id", flat=True)
    _announce(task, actor_id=next(iter(previous), None))


def task_handed_over(task: Task, *, actor: User | None) -> None:
    """The task was given to ``task.owner`` by ``actor`` (a colleague or a lead)."""
    _announce(task, actor_id=getattr(actor, "pk", None))


def _announce(task: Task, *, actor_id: Any) -> None:
    owner = str(task.owner_id) if task.owner_id else None
    events.announce(
        TASK_WAITING,
        key=f"{task.pk}:{owner or 'queue'}",
        task=task.pk,
        owner=owner,
        actor=str(actor_id) if actor_id else None,
    )


def queue_holders(task: Task, *, site: Any = None) -> list[User]:
    """Who the task's queue offers it to: holders of its permission who see ``site`` and whom
    the node lets take it."""
    if not task.owner_permission:
        return []
    node = task.flow_task
    return [
        user for user in holders_of(task.owner_permission, site=site) if node.can_assign(user, task)
    ]


def task_url(task: Task) -> str:
    """The task's page (it offers "Take" to a queue member, the form to its owner)."""
    # Outside a request (the beat's retry of a delivery) the flow viewsets learn their URL
    # namespace only once the URLconf is loaded.
    get_resolver().url_patterns  # noqa: B018
    return task.flow_task.reverse("index", args=[task.process_id, task.pk])


def on_task_waiting(payload: dict[str, Any]) -> None:
    """After the commit: tell who the task waits for (skipped when it moved on meanwhile)."""
    task = Task.objects.select_related("owner").filter(pk=payload["task"]).first()
    if task is None or task.status not in (STATUS.NEW, STATUS.ASSIGNED):
        return
    flow = task.flow_task.flow_class.instance
    # the flow's own process class (its case: task.process.fault, .batch, .ticket)
    task.process = flow.process_class._default_manager.get(pk=task.process_id)
    owner = payload.get("owner")
    if owner is not None:
        if str(task.owner_id) != owner:
            return  # handed to someone else since: that hand-over tells them
        users = [task.owner]
    else:
        if task.owner_id is not None:
            return  # taken already
        users = flow.waiting_for(task)
    actor = User.objects.filter(pk=payload.get("actor")).first() if payload.get("actor") else None
    hand_over(
        users=users,
        text=lambda: flow.waiting_text(task),  # in each reader's language
        url=task_url(task),
        actor=actor,
    )
