"""Which rows a user may see: one rule for every model, declared on the model.

Each scoped model says how its rows belong to sites and agents (``row_scope = RowScope(...)``);
``restrict(queryset, user)`` applies the rule. The ``*_visible_to`` selectors are one line over
it, so the lists, pages, exports and reports of every app agree on who sees what, and a new
module (SMS, sync, the portal) scopes its rows by declaring a ``RowScope`` instead of writing the
branches again.

The rule, in order:

1. Nobody logged in sees nothing.
2. An agent sees the rows the agent holds, when the model has a holder (``agent=``).
3. A model that needs a permission shows nothing to a user without it.
4. A user who sees every site (Super Admin) sees every row.
5. Any other agent sees the rows at the agent's sites (``agents_see=SITES``) or none.
6. Staff narrowed to some sites see the rows at those sites (and, where ``unsited_to_scoped``,
   the rows at no site: the office stock they can assign); unscoped staff see every row.

The user's sites come from ``user.scoped_sites()`` (erp.accounts), a subquery of site ids, so
this module needs no model of its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, TypeVar

from django.db.models import Model, Q, QuerySet

M = TypeVar("M", bound=Model)


class AgentRows(StrEnum):
    """What an agent sees of a model whose rows the agent does not hold."""

    OWN = "own"  # only the rows the agent holds (needs ``agent=``)
    SITES = "sites"  # the rows at the agent's sites
    NONE = "none"  # nothing


@dataclass(frozen=True)
class RowScope:
    """How a model's rows belong to sites and agents.

    ``site``: the lookup from the row to its Site (``"site"``, ``"fault__site"``, ``"pk"`` for
    Site itself), or None when the rows are not bound to a site. ``agent``: the lookup to the
    agent holding the row (a sale's seller), or several (an SMS is held by its client's agent
    and by whoever queued it: a row is held when any of them is the user), or None.
    ``permission``: needed to see any row, except the rows an agent holds.
    ``staff_see_held``: site-scoped staff also see the rows they hold outside their sites (the
    SMS they queued themselves)."""

    site: str | None = "site"
    agent: str | tuple[str, ...] | None = None
    agents_see: AgentRows = AgentRows.SITES
    permission: str | None = None
    unsited_to_scoped: bool = False
    staff_see_held: bool = False

    def __post_init__(self) -> None:
        if self.agents_see is AgentRows.OWN and not self.agent:
            raise ValueError("AgentRows.OWN needs the agent lookup")
        if self.staff_see_held and not self.agent:
            raise ValueError("staff_see_held needs the agent lookup")

    @property
    def holders(self) -> tuple[str, ...]:
        if not self.agent:
            return ()
        return (self.agent,) if isinstance(self.agent, str) else tuple(self.agent)

    def held_by(self, user: Any) -> Q:
        """The rows ``user`` holds through any of the holder lookups."""
        condition = Q(pk__in=[])
        for lookup in self.holders:
            condition |= Q(**{lookup: user})
        return condition


def scope_of(model: type[Model]) -> RowScope:
    scope = getattr(model, "row_scope", None)
    if not isinstance(scope, RowScope):
        raise TypeError(f"{model.__name__} declares no row_scope")
    return scope


def restrict(queryset: QuerySet[M], user: Any) -> QuerySet[M]:
    """The rows of ``queryset`` that ``user`` may see, by the model's ``row_scope``."""
    scope = scope_of(queryset.model)
    if user is None or not user.is_authenticated:
        return queryset.none()
    if scope.agents_see is AgentRows.OWN and user.is_agent:
        return queryset.filter(scope.held_by(user))
    if scope.permission and not user.has_perm(scope.permission):
        return queryset.none()
    if user.sees_all_sites:
        return queryset
    if user.is_agent and scope.agents_see is AgentRows.NONE:
        return queryset.none()
    if scope.site is None:
        return queryset
    sites = user.scoped_sites()
    if sites is None:
        return queryset
    condition = Q(**{f"{scope.site}__in": sites})
    if scope.unsited_to_scoped and not user.is_agent:
        condition |= Q(**{f"{scope.site}__isnull": True})
    if scope.staff_see_held and not user.is_agent:
        condition |= scope.held_by(user)
    return queryset.filter(condition)
