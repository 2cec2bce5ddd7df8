"""Hotspot profiles: saved here, synced to routers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from erp.core.services import assign_fields, validated_save
from erp.sites.models import Router

from .. import selectors
from ..choices import (
    HOTSPOT_PROFILES,
)
from ..client import RouterClient
from ..models import (
    HotspotProfile,
)
from .walled_garden import _normalise, _sync_walled_garden


# --- profiles ---------------------------------------------------------------------------------
@dataclass
class ProfileSyncReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    # the walled garden's hosts this sync added / removed (see sync_walled_garden)
    walled_garden_added: list[str] = field(default_factory=list)
    walled_garden_removed: list[str] = field(default_factory=list)


def sync_profiles(router: Router) -> ProfileSyncReport:
    """Make the router's hotspot user profiles match ours (add missing, fix differing)."""
    report = ProfileSyncReport()
    with RouterClient(router) as client:
        on_router = {p["name"]: p for p in client.print(HOTSPOT_PROFILES)}
        for profile in selectors.profiles_for_router(router):
            wanted = profile.router_attributes()
            existing = on_router.get(profile.name)
            if existing is None:
                client.add(HOTSPOT_PROFILES, **wanted)
                report.added.append(profile.name)
                continue
            differs = {
                k: v
                for k, v in wanted.items()
                if k != "name" and _normalise(k, existing.get(k, "")) != _normalise(k, v)
            }
            if differs:
                client.set(HOTSPOT_PROFILES, existing["id"], **differs)
                report.updated.append(profile.name)
            else:
                report.unchanged.append(profile.name)
        report.walled_garden_added, report.walled_garden_removed = _sync_walled_garden(client)
    return report


# --- profiles: saving -------------------------------------------------------------------------
def save_profile(*, actor: Any, profile: Any = None, **fields: Any):
    """Create or change a hotspot profile (validated: rate-limit syntax, shared users ≥ 1).

    Routers get it on their next profile sync.
    """
    profile = assign_fields(
        profile or HotspotProfile(),
        fields,
        ("name", "rate_limit", "shared_users", "session_timeout", "is_active"),
    )
    return validated_save(profile, actor=actor)
