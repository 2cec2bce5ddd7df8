"""Reads of clients, scoped to what the asking user may see."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Count, Q, QuerySet

from erp.accounts.models import User
from erp.core.scoping import restrict

from .models import Client


def clients_visible_to(user: User) -> QuerySet[Client]:
    """An agent's own clients; otherwise the clients of the sites the user sees."""
    return restrict(Client.objects.select_related("site", "agent"), user)


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
