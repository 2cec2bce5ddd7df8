"""Reads of sites and routers, scoped to what the asking user may see."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.db.models import F, QuerySet

from erp.accounts.models import User
from erp.accounts.roles import Role
from erp.core.scoping import restrict

from .choices import RouterStatus
from .models import Router, Site


def sites_visible_to(user: User) -> QuerySet[Site]:
    """Every site for Super Admin; an agent's assigned sites; a scoped user's scope; else all."""
    return restrict(Site.objects.select_related("manager"), user)


def routers_visible_to(user: User) -> QuerySet[Router]:
    return restrict(Router.objects.select_related("site"), user)


def site_is_visible_to(user: User, site: Site) -> bool:
    return sites_visible_to(user).filter(pk=site.pk).exists()


def routers_down(user: User, *, limit: int = 5) -> dict:
    """The routers ``user`` sees that are down: count, and the ``limit`` down the longest
    (with their site and since when; on the status index)."""
    down = routers_visible_to(user).filter(status=RouterStatus.DOWN)
    longest = down.order_by(F("status_changed_at").asc(nulls_first=True), "name")[:limit]
    return {"count": down.count(), "routers": list(longest)}


def scoped_site_ids(user: User) -> list | None:
    """The ids of the sites a user is narrowed to (an agent's sites, a staff member's site
    scope), or None when the user sees every site. Records at no site (head-office expenses)
    belong to those who see every site: a scoped user sees only their sites' records."""
    if user.is_authenticated and user.sees_all_sites:
        return None
    if user.is_authenticated and not user.has_role(Role.AGENT) and not user.has_site_scope:
        return None
    return list(sites_visible_to(user).values_list("pk", flat=True))


ZONE_CACHE_SECONDS = 300


def time_zone_of_user(user: User) -> str:
    """The zone of the sites a person works on, when they all share one (an agent, a site's
    staff); the installation's otherwise (head office, sites in several zones). Cached a few
    minutes: it is read on every page."""
    if not user.is_authenticated:
        return settings.TIME_ZONE

    def zones() -> str:
        found = list(
            sites_visible_to(user).order_by().values_list("time_zone", flat=True).distinct()[:2]
        )
        return found[0] if len(found) == 1 else settings.TIME_ZONE

    return cache.get_or_set(f"user-time-zone:{user.pk}", zones, ZONE_CACHE_SECONDS)
