"""Drift: differences between the database and the router, and their repair."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from erp.core.locks import held
from erp.sites.models import Router

from ..choices import (
    HOTSPOT_USERS,
    SyncState,
)
from ..client import RouterClient
from ..exceptions import PushBusy
from ..models import (
    HotspotUser,
)
from .hotspot_users import PushReport, _int, _push_pending_locked, push_lock_name
from .walled_garden import _normalise, _sync_walled_garden, walled_garden_drift


# --- drift ------------------------------------------------------------------------------------
@dataclass
class DriftReport:
    """Where the router's hotspot users differ from ours, user names per kind of difference.

    Every attribute a push sets is compared (password, profile, limits, comment, disabled,
    and the hotspot server when the router has one): a password changed by hand on the router
    means a voucher that no longer logs in, so it is drift like a missing user."""

    unknown_on_router: list[str] = field(default_factory=list)
    missing_on_router: list[str] = field(default_factory=list)
    wrong_profile: list[str] = field(default_factory=list)
    disabled_differs: list[str] = field(default_factory=list)
    password_differs: list[str] = field(default_factory=list)
    limits_differ: list[str] = field(default_factory=list)
    comment_differs: list[str] = field(default_factory=list)
    server_differs: list[str] = field(default_factory=list)
    should_be_removed: list[str] = field(default_factory=list)
    # hosts, not users: the portal's walled garden (missing, or ours and no longer wanted)
    walled_garden_missing: list[str] = field(default_factory=list)
    walled_garden_extra: list[str] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not any(asdict(self).values())

    @property
    def differing(self) -> list[str]:
        """Users we have that the router holds with some attribute other than ours."""
        names: set[str] = set()
        for key in _DRIFT_FIELD.values():
            names.update(getattr(self, key))
        return sorted(names)

    def counts(self) -> dict[str, int]:
        return {key: len(names) for key, names in asdict(self).items() if names}

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "clean": self.clean}


# The router's attribute -> the report's list it lands in when it differs from ours.
_DRIFT_FIELD = {
    "profile": "wrong_profile",
    "disabled": "disabled_differs",
    "password": "password_differs",
    "limit-uptime": "limits_differ",
    "limit-bytes-total": "limits_differ",
    "comment": "comment_differs",
    "server": "server_differs",
}

# Each kind of drift in words, in the order pages, commands and notifications list them.
DRIFT_LABELS = {
    "missing_on_router": _("Ours, missing on the router"),
    "unknown_on_router": _("On the router, unknown to us"),
    "wrong_profile": _("Profile differs"),
    "disabled_differs": _("Enabled/disabled differs"),
    "password_differs": _("Password differs"),
    "limits_differ": _("Uptime or data limit differs"),
    "comment_differs": _("Comment differs"),
    "server_differs": _("Hotspot server differs"),
    "should_be_removed": _("Removed by us, still on the router"),
    "walled_garden_missing": _("Walled garden: portal host not allowed"),
    "walled_garden_extra": _("Walled garden: our entry no longer needed"),
}


def _same(key: str, on_router: str | None, ours: str) -> bool:
    if key == "limit-bytes-total":
        return (_int(on_router) or 0) == (_int(ours) or 0)
    return _normalise(key, on_router or "") == _normalise(key, ours)


def find_drift(router: Router) -> DriftReport:
    """Differences between the database and the router's hotspot users (one print)."""
    with RouterClient(router) as client:
        rows = client.print(HOTSPOT_USERS, proplist=[".id", "name", *_DRIFT_FIELD])
    on_router = {r["name"]: r for r in rows if r.get("name")}
    report = DriftReport()
    ours = HotspotUser.objects.filter(router=router).only(
        "name",
        "password",
        "profile",
        "disabled",
        "removed",
        "comment",
        "limit_uptime",
        "limit_bytes_total",
    )
    known: set[str] = set()
    for user in ours.iterator(chunk_size=5000):
        known.add(user.name)
        row = on_router.get(user.name)
        if user.removed:
            if row is not None:
                report.should_be_removed.append(user.name)
            continue
        if row is None:
            report.missing_on_router.append(user.name)
            continue
        user.router = router  # router_attributes reads the hotspot server from it
        wanted = user.router_attributes()
        kinds = {
            _DRIFT_FIELD[key]
            for key, value in wanted.items()
            if key in _DRIFT_FIELD and not _same(key, row.get(key), value)
        }
        for kind in kinds:
            getattr(report, kind).append(user.name)
    report.unknown_on_router = sorted(set(on_router) - known)
    report.walled_garden_missing, report.walled_garden_extra = walled_garden_drift(router)
    for values in asdict(report).values():
        values.sort()
    for key, values in asdict(report).items():
        setattr(report, key, values)
    return report


def repair_drift(router: Router, *, remove_unknown: bool = False) -> tuple[DriftReport, PushReport]:
    """Mark every drifted user pending and push; optionally remove users we do not know.

    Users on the router that the database does not know are left alone unless asked: they may
    be the owner's own logins made by hand on the router.
    """
    with held(push_lock_name(router)) as locked:
        if not locked:
            raise PushBusy("another push to this router is running; retry later")
        return _repair_drift(router, remove_unknown=remove_unknown)


def _repair_drift(router: Router, *, remove_unknown: bool) -> tuple[DriftReport, PushReport]:
    report = find_drift(router)
    missing = HotspotUser.objects.filter(router=router, name__in=report.missing_on_router)
    missing.update(router_item_id="", sync_state=SyncState.PENDING)
    HotspotUser.objects.filter(
        router=router, name__in=report.differing + report.should_be_removed
    ).update(sync_state=SyncState.PENDING)
    push = _push_pending_locked(router)
    if report.walled_garden_missing or report.walled_garden_extra:
        with RouterClient(router) as client:
            _sync_walled_garden(client)
    if remove_unknown and report.unknown_on_router:
        with RouterClient(router) as client:
            rows = client.print(HOTSPOT_USERS, proplist=[".id", "name"])
            ids = [r["id"] for r in rows if r.get("name") in set(report.unknown_on_router)]
            for reply in client.pipeline(HOTSPOT_USERS, "remove", ({"id": i} for i in ids)):
                if reply.ok:
                    push.removed += 1
    return report, push
