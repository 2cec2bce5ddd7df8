"""Reading a router live: active sessions, kick, API login, usage and traffic."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils import timezone

from erp.sites.models import Router

from ..choices import (
    HOTSPOT_ACTIVE,
    HOTSPOT_USERS,
    INTERFACES,
)
from ..client import RouterClient
from ..durations import parse_uptime
from ..exceptions import RouterTrap
from ..models import (
    HotspotUser,
)
from .health import _store_sample
from .hotspot_users import _int


# --- reading the router -----------------------------------------------------------------------
def fetch_active_users(router: Router) -> list[dict[str, Any]]:
    """Sessions online now (the router's /ip/hotspot/active), and a sample of their count."""
    with RouterClient(router) as client:
        rows = client.print(HOTSPOT_ACTIVE)
    _store_sample(router, active_users=len(rows))
    return [
        {
            "id": r.get("id", ""),
            "user": r.get("user", ""),
            "address": r.get("address", ""),
            "mac_address": r.get("mac-address", ""),
            "uptime_seconds": parse_uptime(r.get("uptime", "0s")),
            "bytes_in": _int(r.get("bytes-in")) or 0,
            "bytes_out": _int(r.get("bytes-out")) or 0,
        }
        for r in rows
    ]


def kick_session(router: Router, session_id: str) -> None:
    """Disconnect one active session (the user can log in again)."""
    with RouterClient(router) as client:
        try:
            client.remove(HOTSPOT_ACTIVE, session_id)
        except RouterTrap as exc:
            if "no such item" not in exc.router_message:
                raise  # already gone is what we wanted


def hotspot_login(router: Router, *, user: str, password: str, mac: str, ip: str) -> None:
    """Log a device in on the router's hotspot as `user` (RouterOS
    ``/ip/hotspot/active/login``): the captive portal's server-side login, for a device whose
    browser cannot be trusted to post to the hotspot itself. Raises RouterTrap when the
    router refuses (wrong password, disabled user) and RouterUnreachable when it is down."""
    with RouterClient(router, timeout=min(settings.ROUTER_TIMEOUT, 5.0)) as client:
        client.call(
            HOTSPOT_ACTIVE,
            "login",
            {"user": user, "password": password, "mac-address": mac, "ip": ip},
        )


def fetch_usage(router: Router) -> int:
    """Read every user's uptime and bytes from the router into HotspotUser rows.

    One print for the router. Returns the number of rows whose figures changed. The vouchers
    module reads these to see first logins and reached limits.
    """
    with RouterClient(router) as client:
        rows = client.print(HOTSPOT_USERS, proplist=["name", "uptime", "bytes-in", "bytes-out"])
    figures = {
        r["name"]: (
            parse_uptime(r.get("uptime", "0s")),
            _int(r.get("bytes-in")) or 0,
            _int(r.get("bytes-out")) or 0,
        )
        for r in rows
        if r.get("name")
    }
    now = timezone.now()
    changed: list[HotspotUser] = []
    users = HotspotUser.objects.filter(router=router, removed=False).only(
        "pk", "name", "uptime_seconds", "bytes_in", "bytes_out"
    )
    for user in users.iterator(chunk_size=5000):
        got = figures.get(user.name)
        if got and got != (user.uptime_seconds, user.bytes_in, user.bytes_out):
            user.uptime_seconds, user.bytes_in, user.bytes_out = got
            user.usage_at = now
            changed.append(user)
    HotspotUser.objects.bulk_update(
        changed, ["uptime_seconds", "bytes_in", "bytes_out", "usage_at"], batch_size=1000
    )
    return len(changed)


def fetch_traffic(router: Router) -> dict[str, Any]:
    """Interface counters (bridges left out, they repeat their ports) and a stored sample."""
    with RouterClient(router) as client:
        rows = client.call(INTERFACES, "print", {"stats": ""})[0]
        active = int(client.call(HOTSPOT_ACTIVE, "print", {"count-only": ""})[1] or 0)
    interfaces = [
        {
            "name": r.get("name", ""),
            "type": r.get("type", ""),
            "running": r.get("running") == "true",
            "rx_bytes": _int(r.get("rx-byte")) or 0,
            "tx_bytes": _int(r.get("tx-byte")) or 0,
        }
        for r in rows
    ]
    physical = [i for i in interfaces if i["type"] != "bridge"]
    rx = sum(i["rx_bytes"] for i in physical)
    tx = sum(i["tx_bytes"] for i in physical)
    _store_sample(router, active_users=active, rx=rx, tx=tx)
    return {"interfaces": interfaces, "rx_bytes": rx, "tx_bytes": tx, "active_users": active}
