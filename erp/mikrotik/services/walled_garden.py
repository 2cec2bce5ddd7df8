"""The walled garden: the hosts a customer reaches before logging in (the portal, the
payment providers)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from urllib.parse import urlsplit

from django.conf import settings

from erp.sites.models import Router

from ..client import RouterClient
from ..durations import parse_uptime

# --- walled garden ----------------------------------------------------------------------------
WALLED_GARDEN = "/ip/hotspot/walled-garden"
# Our entries carry this comment: the sync adds and removes only these, never the owner's own.
WALLED_GARDEN_COMMENT = "viornet portal"

# Hosts a customer's device must reach before it is logged in, beside this ERP's own host:
# the apps above this one (the portal, for its payment providers' pages) register a function
# here at start-up, so this layer never imports them.
walled_garden_sources: list[Callable[[], Iterable[str]]] = []


def wanted_walled_garden() -> list[str]:
    """The hosts every hotspot must let through unauthenticated: the ERP's (PUBLIC_BASE_URL,
    where the portal is) and those the registered sources name."""
    hosts: set[str] = set()
    public = urlsplit(settings.PUBLIC_BASE_URL or "").hostname
    if public:
        hosts.add(public)
    for source in walled_garden_sources:
        hosts.update(host.strip().lower() for host in source() if host and host.strip())
    return sorted(hosts)


def _walled_garden_rows(client: RouterClient) -> tuple[set[str], dict[str, str]]:
    """The hosts the router lets through (any enabled allow entry, ours or the owner's) and
    our own entries by host (host -> id)."""
    allowed: set[str] = set()
    ours: dict[str, str] = {}
    for row in client.print(WALLED_GARDEN):
        host = (row.get("dst-host") or "").lower()
        if not host:
            continue
        if row.get("comment") == WALLED_GARDEN_COMMENT:
            ours[host] = row["id"]
        if row.get("action", "allow") == "allow" and row.get("disabled") not in {"true", "yes"}:
            allowed.add(host)
    return allowed, ours


def _sync_walled_garden(client: RouterClient) -> tuple[list[str], list[str]]:
    wanted = wanted_walled_garden()
    allowed, ours = _walled_garden_rows(client)
    added = [host for host in wanted if host not in allowed]
    for host in added:
        client.add(
            WALLED_GARDEN, **{"dst-host": host, "action": "allow"}, comment=WALLED_GARDEN_COMMENT
        )
    removed = sorted(host for host in ours if host not in wanted)
    for host in removed:
        client.remove(WALLED_GARDEN, ours[host])
    return added, removed


def walled_garden_drift(router: Router) -> tuple[list[str], list[str]]:
    """(wanted hosts the router does not let through, our entries no longer wanted)."""
    with RouterClient(router) as client:
        allowed, ours = _walled_garden_rows(client)
    wanted = wanted_walled_garden()
    return (
        [host for host in wanted if host not in allowed],
        sorted(host for host in ours if host not in wanted),
    )


def _normalise(key: str, value: str) -> str:
    if key in {"session-timeout", "limit-uptime"}:
        return str(parse_uptime(value or "0s"))
    if key == "disabled":
        return "true" if value in {"yes", "true"} else "false"
    return value or ""
