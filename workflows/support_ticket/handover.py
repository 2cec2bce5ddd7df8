"""Handing a ticket's work task to another member of its team (no flow import: the task pages
and the process services both use it)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _
from viewflow.workflow.status import STATUS

from erp.accounts.models import User
from erp.core.exceptions import NotAllowed
from erp.support import services as support
from erp.support.models import Ticket

from ..notices import task_handed_over


def team_members(ticket: Ticket):
    """Active users who may work this ticket's team (by group or by their own grant)."""
    codename = f"work_{ticket.team}"
    return (
        User.objects.filter(is_active=True)
        .filter(
            Q(groups__permissions__codename=codename)
            | Q(user_permissions__codename=codename)
            | Q(is_superuser=True)
        )
        .distinct()
        .order_by("username")
    )


def hand_over(*, actor: User, task, ticket: Ticket, owner: User) -> None:
    """Give the open ``task`` to ``owner``: the task's owner or a support lead may, and only to
    someone of the ticket's team. Call under the process lock."""
    if not support.may_work(owner, ticket):
        raise ValidationError(
            {"owner": _("%(name)s does not work this team's tickets.") % {"name": owner}}
        )
    if not (actor.has_perm("support.supervise_ticket") or task.owner_id == actor.pk):
        raise NotAllowed(_("Only the ticket's owner or a support lead hands it over."))
    activation = task.flow_task.activation_class(task)
    if task.status == STATUS.NEW:
        activation.assign(owner)
    else:
        activation.reassign(owner)
    task_handed_over(task, actor=actor)
