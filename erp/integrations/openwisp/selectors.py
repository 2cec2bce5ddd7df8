"""Reads of the OpenWISP integration, scoped to what the asking user may see."""

from __future__ import annotations

from django.db.models import QuerySet

from erp.accounts.models import User
from erp.core.scoping import restrict

from .choices import ConflictStatus
from .models import DiscoveryRun, MatchConflict, OpenWispDevice, OpenWispSettings


def settings_visible_to(user: User) -> QuerySet[OpenWispSettings]:
    return restrict(OpenWispSettings.objects.select_related("site"), user)


def devices_visible_to(user: User) -> QuerySet[OpenWispDevice]:
    return restrict(OpenWispDevice.objects.select_related("site", "asset__asset_type"), user)


def runs_visible_to(user: User) -> QuerySet[DiscoveryRun]:
    return restrict(DiscoveryRun.objects.select_related("site"), user)


def open_conflicts_visible_to(user: User) -> QuerySet[MatchConflict]:
    return (
        restrict(MatchConflict.objects.select_related("site", "device"), user)
        .filter(status=ConflictStatus.OPEN)
        .prefetch_related("candidates__asset_type", "candidates__site")
    )
