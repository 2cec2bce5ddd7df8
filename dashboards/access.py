"""Who may open which analytics page, and which rows each user's figures cover.

Super Admin and Marketing (analytics.view_analytics) see every page; Finance
(view_finance_analytics) the Finance and Agents pages; an agent allowed
(view_own_analytics) only the Agents page, with only their own figures. Maintenance (faults,
uptime, MTTR) is a view_analytics page: Technical users repair faults in /faults/ and have no
analytics permission.
"""

from __future__ import annotations

import contextvars
from dataclasses import replace

from django.utils.translation import gettext_noop

from analytics.filters import Filters
from erp.sites.models import Site
from erp.sites.selectors import sites_visible_to

ALL = "analytics.view_analytics"
FINANCE = "analytics.view_finance_analytics"
OWN = "analytics.view_own_analytics"

# page key → (path under /analytics/, title, permissions any of which opens it). The titles
# are marked for the catalog here and translated where the menu is drawn, per request.
PAGES: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "overview": ("overview", gettext_noop("Overview"), (ALL,)),
    "sites": ("sites", gettext_noop("Sites"), (ALL,)),
    "agents": ("agents", gettext_noop("Agents"), (ALL, FINANCE, OWN)),
    "finance": ("finance", gettext_noop("Finance"), (ALL, FINANCE)),
    "network": ("network", gettext_noop("Network"), (ALL,)),
    "maintenance": ("maintenance", gettext_noop("Maintenance"), (ALL,)),
    "support": ("support", gettext_noop("Support"), (ALL,)),
}

# The user of the request being served (set by the bridge, read by layouts and callbacks).
current_user: contextvars.ContextVar = contextvars.ContextVar("analytics_user")


def may_open(user, page: str) -> bool:
    return user.is_authenticated and any(user.has_perm(p) for p in PAGES[page][2])


def allowed_pages(user) -> list[str]:
    return [key for key in PAGES if may_open(user, key)]


def page_of_path(path: str) -> str | None:
    """'agents' for 'agents' or 'agents/'; None for anything that is not a page."""
    path = path.strip("/")
    return next((key for key, (p, _t, _perms) in PAGES.items() if p == path), None)


def page_of_component(component_id: str) -> str | None:
    """Component ids start with their page key ('agents-balance'); others belong to no page."""
    prefix = component_id.split("-", 1)[0]
    return prefix if prefix in PAGES else None


def own_only(user) -> bool:
    """True for an agent who sees only their own figures."""
    return not (user.has_perm(ALL) or user.has_perm(FINANCE))


def scope(filters: Filters, user) -> Filters:
    """Narrow the chosen filters to what the user may see."""
    if own_only(user):
        filters = replace(filters, agents=(user.pk,))
    if not user.sees_all_sites and not own_only(user):
        visible = {str(pk) for pk in sites_visible_to(user).values_list("pk", flat=True)}
        chosen = tuple(s for s in filters.sites if str(s) in visible) or tuple(visible)
        if len(visible) < _site_count():
            filters = replace(filters, sites=chosen or ("00000000-0000-0000-0000-000000000000",))
    return filters


def _site_count() -> int:
    return Site.objects.count()
