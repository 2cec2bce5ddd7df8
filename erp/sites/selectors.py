"""Reads of sites and routers, scoped to what the asking user may see."""

from __future__ import annotations

from django.db.models import QuerySet

from erp.accounts.models import User
from erp.accounts.roles import Role

from .models import Router, Site


def sites_visible_to(user: User) -> QuerySet[Site]:
    """Every site for Super Admin; an agent's assigned sites; a scoped user's scope; else all."""
    sites = Site.objects.select_related("manager")
    if not user.is_authenticated:
        return sites.none()
    if user.sees_all_sites:
        return sites
    if user.has_role(Role.AGENT):
        return sites.filter(agents=user)
    if user.site_scope.exists():
        return sites.filter(scoped_users=user)
    return sites


def routers_visible_to(user: User) -> QuerySet[Router]:
    routers = Router.objects.select_related("site")
    if user.is_authenticated and user.sees_all_sites:
        return routers
    return routers.filter(site__in=sites_visible_to(user).values("pk"))


def site_is_visible_to(user: User, site: Site) -> bool:
    return sites_visible_to(user).filter(pk=site.pk).exists()


def scoped_site_ids(user: User) -> list | None:
    """The ids of the sites a user is narrowed to (an agent's sites, a staff member's site
    scope), or None when the user sees every site. Records at no site (head-office expenses)
    belong to those who see every site: a scoped user sees only their sites' records."""
    if user.is_authenticated and user.sees_all_sites:
        return None
    if user.is_authenticated and not user.has_role(Role.AGENT) and not user.site_scope.exists():
        return None
    return list(sites_visible_to(user).values_list("pk", flat=True))
