"""The state of one simulated router: its menus, their items, and the faults to inject."""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from typing import Any

from erp.mikrotik import durations
from erp.mikrotik.durations import format_uptime


class Trap(Exception):
    """A command the router refuses: answered with !trap =message=... and !done."""

    def __init__(self, message: str, category: int | None = None):
        super().__init__(message)
        self.message = message
        self.category = category


@dataclass
class Faults:
    """Failures a test (or the command line) injects into one simulated router."""

    latency: float = 0.0  # seconds added before each reply
    drop_after: int | None = None  # close the connection after this many commands
    trap_on: dict[str, str] = field(default_factory=dict)  # command path -> trap message
    seen: int = 0  # commands received since the faults were last reset

    def reset(self) -> None:
        self.latency, self.drop_after, self.trap_on, self.seen = 0.0, None, {}, 0


def parse_uptime(text: str) -> int:
    """RouterOS's time value in seconds; a value it would refuse is a trap, as on a router."""
    try:
        return durations.parse_uptime(text)
    except ValueError as exc:
        raise Trap(str(exc)) from None


def _bool(value: str) -> str:
    if value in {"yes", "true"}:
        return "true"
    if value in {"no", "false"}:
        return "false"
    raise Trap(f"value of disabled must be yes or no, not {value}")


class Table:
    """A menu holding items: print / add / set / remove / enable / disable."""

    key: str | None = "name"
    duplicate_message = "failure: already have item with this name"
    defaults: dict[str, str] = {}
    read_only: frozenset[str] = frozenset()

    def __init__(self, state: RouterState):
        self.state = state
        self._items: list[dict[str, str]] = []
        self._by_id: dict[str, dict[str, str]] = {}
        self._by_key: dict[str, dict[str, str]] = {}

    @property
    def items(self) -> list[dict[str, str]]:
        return self._items

    @items.setter
    def items(self, items: list[dict[str, str]]) -> None:
        """Replace every item (loading saved state); rebuilds the look-up indexes."""
        self._items = list(items)
        self._reindex()

    def _reindex(self) -> None:
        self._by_id = {i[".id"]: i for i in self._items if ".id" in i}
        self._by_key = {i[self.key]: i for i in self._items if self.key and self.key in i}

    def validate(self, item: dict[str, str]) -> None:
        if "disabled" in item:
            item["disabled"] = _bool(item["disabled"])

    def find(self, ref: str) -> dict[str, str]:
        item = self._by_id.get(ref) or self._by_key.get(ref)
        if item is None:
            raise Trap("no such item")
        return item

    def add(self, attrs: dict[str, str]) -> str:
        unknown = set(attrs) & self.read_only
        if unknown:
            raise Trap(f"unknown parameter {sorted(unknown)[0]}")
        item = {**self.defaults, **attrs}
        if self.key and not item.get(self.key):
            raise Trap(f"failure: {self.key} must be set")
        if self.key and item[self.key] in self._by_key:
            raise Trap(self.duplicate_message)
        self.validate(item)
        return self.insert(item)

    def insert(self, item: dict[str, str]) -> str:
        """Store an item the router made itself (no checks); give it an id."""
        item[".id"] = item.get(".id") or self.state.next_id()
        self._items.append(item)
        self._by_id[item[".id"]] = item
        if self.key and self.key in item:
            self._by_key[item[self.key]] = item
        return item[".id"]

    def set(self, refs: str, attrs: dict[str, str]) -> None:
        targets = [self.find(ref) for ref in refs.split(",")]
        for target in targets:
            changed = {**target, **attrs}
            renamed = self.key and attrs.get(self.key) not in (None, target.get(self.key))
            if renamed and attrs[self.key] in self._by_key:
                raise Trap(self.duplicate_message)
            self.validate(changed)
            if renamed:
                del self._by_key[target[self.key]]
            target.update(changed)
            if renamed:
                self._by_key[target[self.key]] = target

    def remove(self, refs: str) -> None:
        targets = [self.find(ref) for ref in refs.split(",")]
        ids = {t[".id"] for t in targets}
        self.items = [i for i in self._items if i[".id"] not in ids]

    def rows(self, stats: bool = False) -> list[dict[str, str]]:
        return self.items


class HotspotUserProfiles(Table):
    duplicate_message = "failure: already have profile with this name"
    defaults = {"rate-limit": "", "shared-users": "1", "session-timeout": "0s"}

    def validate(self, item):
        super().validate(item)
        try:
            if int(item.get("shared-users", "1")) < 1:
                raise ValueError
        except ValueError:
            raise Trap("value of shared-users out of range (1..4294967295)") from None
        item["session-timeout"] = format_uptime(parse_uptime(item.get("session-timeout", "0s")))

    def remove(self, refs):
        for ref in refs.split(","):
            if self.find(ref).get("name") == "default":
                raise Trap("failure: cannot remove default profile")
        super().remove(refs)


class HotspotUsers(Table):
    duplicate_message = "failure: already have user with this name"
    defaults = {
        "password": "",
        "profile": "default",
        "server": "all",
        "disabled": "false",
        "limit-uptime": "0s",
        "limit-bytes-total": "0",
        "comment": "",
        "uptime": "0s",
        "bytes-in": "0",
        "bytes-out": "0",
    }
    read_only = frozenset({"uptime", "bytes-in", "bytes-out"})

    def validate(self, item):
        super().validate(item)
        profiles = {p["name"] for p in self.state.profiles.items}
        if item.get("profile") not in profiles:
            raise Trap("input does not match any value of profile")
        # RouterOS stores times normalised: 3600s prints as 1h.
        item["limit-uptime"] = format_uptime(parse_uptime(item.get("limit-uptime", "0s")))
        if item.get("disabled") == "true":
            self.state.active.kick_user(item["name"])


class ActiveSessions(Table):
    key = None

    def add(self, attrs):
        raise Trap("failure: sessions start by logging in, not by the API")

    def login(self, attrs: dict[str, str]) -> None:
        """/ip/hotspot/active/login: log a device in as a hotspot user, as the login page
        would (user, password, mac-address, ip). The user must exist, be enabled and have that
        password; a device already logged in is logged in again (its old session ends)."""
        name, ip = attrs.get("user", ""), attrs.get("ip", "")
        if not name or not ip:
            raise Trap("failure: user and ip are required")
        user = self.state.users._by_key.get(name)
        if user is None or user.get("password", "") != attrs.get("password", ""):
            raise Trap("failure: hotspot login refused: wrong user or password")
        if user.get("disabled") == "true":
            raise Trap("failure: hotspot login refused: user disabled")
        mac = attrs.get("mac-address", "")
        self.items = [
            s
            for s in self._items
            if s.get("address") != ip and (not mac or s.get("mac-address") != mac)
        ]
        self.insert(
            {
                ".id": self.state.next_id(),
                "user": name,
                "server": "hotspot1",
                "address": ip,
                "mac-address": mac,
                "uptime": "0s",
                "bytes-in": "0",
                "bytes-out": "0",
                "login-by": "api",
            }
        )

    def kick_user(self, name: str) -> None:
        if any(s.get("user") == name for s in self._items):
            self.items = [s for s in self._items if s.get("user") != name]


class Interfaces(Table):
    def add(self, attrs):
        raise Trap("failure: physical interfaces cannot be added")


class SmsInbox(Table):
    """``/tool/sms/inbox``: the SMS the LTE modem received (``receive-enabled=yes``). Rows are
    the router's own (phone, message, timestamp, type); the API may print and remove them."""

    key = None

    def add(self, attrs):
        raise Trap("failure: received SMS cannot be added")

    def set(self, ref, attrs):
        raise Trap("failure: received SMS cannot be changed")


class WalledGarden(Table):
    """/ip/hotspot/walled-garden: hosts reachable before login (no unique key, as on a
    router: the same host may be listed twice)."""

    key = None
    defaults = {"action": "allow", "disabled": "false"}

    def validate(self, item):
        super().validate(item)
        if item.get("action") not in {"allow", "deny"}:
            raise Trap("failure: action must be allow or deny")


class RouterState:
    """Everything one simulated router knows; mutated only from the simulator's event loop."""

    def __init__(self, name: str = "MikroTik", *, username: str = "admin", password: str = ""):
        self.identity = name
        self.username = username
        self.password = password
        self.booted_at = time.monotonic()
        self.faults = Faults()
        self.sms_outbox: list[dict[str, str]] = []
        self._next = 0
        self.sms_inbox = SmsInbox(self)
        self.profiles = HotspotUserProfiles(self)
        self.profiles.add({"name": "default"})
        self.users = HotspotUsers(self)
        self.active = ActiveSessions(self)
        self.interfaces = Interfaces(self)
        self.walled_garden = WalledGarden(self)
        for iface, kind in (("ether1", "ether"), ("wlan1", "wlan"), ("bridge-hotspot", "bridge")):
            self.interfaces.insert(
                {
                    ".id": self.next_id(),
                    "name": iface,
                    "type": kind,
                    "running": "true",
                    "disabled": "false",
                    "rx-byte": "0",
                    "tx-byte": "0",
                    "rx-packet": "0",
                    "tx-packet": "0",
                }
            )
        self.tables: dict[str, Table] = {
            "/ip/hotspot/user": self.users,
            "/ip/hotspot/user/profile": self.profiles,
            "/ip/hotspot/active": self.active,
            "/interface": self.interfaces,
            "/tool/sms/inbox": self.sms_inbox,
            "/ip/hotspot/walled-garden": self.walled_garden,
        }

    def receive_sms(self, phone: str, message: str, timestamp: str = "") -> str:
        """Someone texts the router's SIM: the message lands in ``/tool/sms/inbox``, stamped
        by the router's clock (``timestamp`` as RouterOS prints it; default: now)."""
        return self.sms_inbox.insert(
            {
                "phone": phone,
                "message": message,
                "timestamp": timestamp or time.strftime("%Y-%m-%d %H:%M:%S"),
                "type": "class-1",
            }
        )

    def next_id(self) -> str:
        self._next += 1
        return f"*{self._next:X}"

    def resource(self) -> dict[str, str]:
        uptime = time.monotonic() - self.booted_at
        return {
            "uptime": format_uptime(uptime),
            "version": "7.16.2 (stable)",
            "build-time": "2024-11-25 12:00:00",
            "cpu-load": str(random.randint(3, 40)),
            "cpu-count": "4",
            "free-memory": str(96 * 1024 * 1024),
            "total-memory": str(256 * 1024 * 1024),
            "architecture-name": "arm",
            "board-name": "hAP ac2",
            "platform": "MikroTik",
        }

    # --- persistence (optional JSON file) -----------------------------------------------------
    def to_json(self) -> dict[str, Any]:
        return {
            "identity": self.identity,
            "next": self._next,
            "tables": {path: table.items for path, table in self.tables.items()},
            "sms_outbox": self.sms_outbox,
        }

    def load_json(self, data: dict[str, Any]) -> None:
        self.identity = data.get("identity", self.identity)
        self._next = data.get("next", self._next)
        for path, items in data.get("tables", {}).items():
            if path in self.tables:
                self.tables[path].items = items
        self.sms_outbox = data.get("sms_outbox", [])

    # --- simulated life for the demo -----------------------------------------------------------
    def tick(self, seconds: float, *, login_probability: float = 0.3) -> None:
        """Time passes: sessions use the network, some sold vouchers log in for the first time.

        A user whose comment starts with 'sold' is one a customer holds; only those log in.
        """
        by_name = {u["name"]: u for u in self.users.items}
        for session in list(self.active.items):
            user = by_name.get(session["user"])
            if user is None or user["disabled"] == "true":
                self.active.kick_user(session["user"])
                continue
            grown_in = random.randint(20_000, 2_000_000)
            grown_out = random.randint(2_000, 200_000)
            for target in (session, user):
                target["uptime"] = format_uptime(parse_uptime(target["uptime"]) + seconds)
                target["bytes-in"] = str(int(target["bytes-in"]) + grown_in)
                target["bytes-out"] = str(int(target["bytes-out"]) + grown_out)
            limit = parse_uptime(user.get("limit-uptime", "0s"))
            if limit and parse_uptime(user["uptime"]) >= limit:
                self.active.kick_user(user["name"])
        online = {s["user"] for s in self.active.items}
        for user in self.users.items:
            if (
                user["name"] not in online
                and user["disabled"] == "false"
                and user.get("comment", "").startswith("sold")
                and random.random() < login_probability
            ):
                self.active.insert(
                    {
                        ".id": self.next_id(),
                        "user": user["name"],
                        "server": "hotspot1",
                        "address": f"10.5.50.{random.randint(2, 254)}",
                        "mac-address": "02:00:00:"
                        + ":".join(f"{random.randint(0, 255):02X}" for _ in range(3)),
                        "uptime": "0s",
                        "bytes-in": "0",
                        "bytes-out": "0",
                        "login-by": "http-chap",
                    }
                )
        total_in = sum(int(s["bytes-in"]) for s in self.active.items)
        for iface in self.interfaces.items:
            iface["rx-byte"] = str(int(iface["rx-byte"]) + total_in // 3 + 1500)
            iface["tx-byte"] = str(int(iface["tx-byte"]) + total_in // 30 + 900)
