"""Reads of clients, scoped to what the asking user may see."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Count, Q, QuerySet

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
    if user.has_site_scope:
        return clients.filter(site__in=sites_visible_to(user).values("pk"))
    return clients


def access_ending(user: User, *, now: datetime, within: timedelta) -> dict:
    """Clients ``user`` sees whose paid access ends between now and now + ``within``: count,
    and of them those who agreed to marketing messages (consent). An indexed range on
    expires_at, never a count of the whole table."""
    return (
        clients_visible_to(user)
        .select_related(None)
        .filter(expires_at__gte=now, expires_at__lt=now + within)
        .aggregate(count=Count("pk"), consent=Count("pk", filter=Q(marketing_consent=True)))
    )
