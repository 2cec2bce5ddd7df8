"""Plain words on the workflow pages (templates/viewflow/workflow/*.html).

viewflow names its task actions after the engine's transitions ("Execute", "Assign",
"Unassign" …); people read what they do instead ("Open", "Take", "Give back" …).
"""

from __future__ import annotations

from django import template
from django.utils.translation import gettext_lazy as _

register = template.Library()

# viewflow's transition labels (viewflow.workflow.activation) → what the person does.
PLAIN_ACTIONS = {
    "Execute": _("Open"),
    "Start": _("Open"),
    "Assign": _("Take"),
    "Unassign": _("Give back"),
    "Reassign": _("Hand over"),
    "Prioritize": _("Change priority"),
    "Cancel": _("Cancel this step"),
    "Undo": _("Undo"),
    "Revive": _("Reopen"),
}


@register.filter
def plain_action(label) -> str:
    """'Execute' → 'Open', 'Assign' → 'Take' …; any other label unchanged."""
    return PLAIN_ACTIONS.get(str(label), label)


@register.filter
def sees_flow_diagrams(user) -> bool:
    """The process diagram (BPMN) is for the Super Admin, who changes how work flows;
    everyone else is shown the work, not the engine."""
    return bool(getattr(user, "is_authenticated", False) and user.sees_all_sites)


@register.simple_tag
def may_manage_process(user, process) -> bool:
    """Whether the user may cancel the whole process (the flow's manage permission, the one
    viewflow's cancel page checks); the button is offered only to them."""
    flow_class = getattr(process, "flow_class", None)
    if flow_class is None or not getattr(user, "is_authenticated", False):
        return False
    return bool(flow_class.instance.has_manage_permission(user, process))
