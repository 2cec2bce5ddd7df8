"""Reads of clients, scoped to what the asking user may see."""

from __future__ import annotations

from django.db.models import QuerySet

from erp.accounts.models import User
from erp.accounts.roles import Role
from erp.sites.selectors import sites_visible_to

from .models import Client


def clients_visible_to(user: User) -> QuerySet[Client]:
    """An agent's own clients; otherwise the clients of the sites the user sees."""
    clients = Client.objects.select_related("site", "agent")
    if not user.is_authenticated:
        return clients.none()
    if user.sees_all_sites:
        return clients
    if user.has_role(Role.AGENT):
        return clients.filter(agent=user)
    if user.site_scope.exists():
        return clients.filter(site__in=sites_visible_to(user).values("pk"))
    return clients
