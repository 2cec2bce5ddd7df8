"""Cross-app reads for the home page."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone


def home_summary(user: Any) -> dict[str, Any]:
    """Counts shown on the home page, each limited to what the user may see.

    Counts are over sites and routers (hundreds) and over today's new clients (an indexed
    range), never a COUNT of the whole clients table.
    """
    from erp.clients.selectors import clients_visible_to
    from erp.sites.choices import RouterStatus
    from erp.sites.selectors import routers_visible_to, sites_visible_to

    summary: dict[str, Any] = {}
    if user.has_perm("sites.view_site"):
        summary["sites"] = sites_visible_to(user).count()
    if user.has_perm("sites.view_router"):
        summary["routers"] = routers_visible_to(user).aggregate(
            total=Count("pk"),
            up=Count("pk", filter=Q(status=RouterStatus.UP)),
            down=Count("pk", filter=Q(status=RouterStatus.DOWN)),
        )
    if user.has_perm("clients.view_client"):
        since = timezone.now() - timedelta(days=1)
        summary["new_clients_24h"] = clients_visible_to(user).filter(created_at__gte=since).count()
        summary["expiring_7d"] = (
            clients_visible_to(user)
            .filter(
                expires_at__gte=timezone.now(), expires_at__lt=timezone.now() + timedelta(days=7)
            )
            .count()
        )
    return summary
