"""An OpenWISP simulator speaking the controller's and monitoring's REST API on a real socket.

- ``POST /api/v1/users/token/`` (form or JSON ``username`` + ``password``) → ``{"token": …}``
  (openwisp-users' ObtainAuthTokenView); wrong credentials → 400 ``non_field_errors``.
- ``Authorization: Bearer <token>`` on every other call; a token older than ``token_ttl``
  seconds (or revoked with ``expire_tokens``) → 401 ``{"detail": "Invalid token."}``.
- ``GET /api/v1/controller/device/`` → DRF page-number pagination (``count``, ``next``,
  ``previous``, ``results``; ``page_size`` capped at 100 like openwisp's
  ``max_page_size``), each device as DeviceListSerializer shapes it (``key`` included: it is
  the device's secret and the ERP must drop it).
- ``GET /api/v1/monitoring/device/?monitoring__status=…`` → the same pagination, each device
  with ``monitoring: {status, status_label}``.
- ``GET /api/v1/monitoring/device/<id>/`` → the device with ``monitoring: {status,
  status_label, related_metrics: [{name, is_healthy}]}``.

Life: every ``tick`` seconds (of the clock, computed lazily) a seeded draw moves a few devices
between ok / problem / critical, and device 0 flaps (ok ↔ critical each tick).

Faults a test injects: ``delay`` (seconds before each answer), ``html`` (answer a login page
with 200), ``wrong_type`` (``mac_address`` becomes a number), ``endless`` (``next`` always
points further, ``count`` grows), ``loop`` (``next`` of page 2 points back to page 1),
``down`` (close the connection without answering).
"""

from __future__ import annotations

import json
import random
import secrets
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from erp.core.simulators import SimulatorServer

STATUSES = ("unknown", "ok", "problem", "critical", "deactivated")
LABELS = {s: s.capitalize() for s in STATUSES}
MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 10
MODELS = [
    ("TP-Link", "TP-Link Archer C7 v5", "OpenWrt 23.05.3", "ath79/generic"),
    ("Ubiquiti", "Ubiquiti UniFi AC Lite", "OpenWrt 23.05.2", "ramips/mt7621"),
    ("GL.iNet", "GL.iNet GL-AR300M", "OpenWrt 22.03.5", "ath79/nand"),
]


def mac_of(index: int, prefix: int = 0x02AB) -> str:
    raw = (prefix << 32) | index
    return ":".join(f"{(raw >> (8 * i)) & 0xFF:02x}" for i in reversed(range(6)))


class OpenWispState:
    """Devices, monitoring statuses, tokens and faults; every access holds the lock."""

    def __init__(
        self,
        *,
        username: str,
        password: str,
        devices: int = 12,
        token_ttl: float = 3600.0,
        tick: float = 0.0,
        seed: int = 20,
    ):
        self.username = username
        self.password = password
        self.token_ttl = token_ttl
        self.tick = tick
        self.lock = threading.Lock()
        self.rng = random.Random(seed)  # noqa: S311 (seeded life, not a secret)
        self.devices: list[dict[str, Any]] = []
        self.status: dict[str, str] = {}
        self.tokens: dict[str, float] = {}
        self.started = time.monotonic()
        self.ticks_done = 0
        self.delay = 0.0
        self.html = False
        self.wrong_type = False
        self.endless = False
        self.loop = False
        self.down = False
        self.token_requests = 0
        self.requests: list[str] = []
        for i in range(devices):
            self.add_device(index=i)

    # --- data -----------------------------------------------------------------------------
    def add_device(self, *, index: int | None = None, **fields: Any) -> dict[str, Any]:
        i = len(self.devices) if index is None else index
        vendor, model, os_, system = MODELS[i % len(MODELS)]
        stamp = f"2026-01-{1 + i % 28:02d}T08:{i % 60:02d}:00.000000Z"
        device = {
            "id": str(uuid.UUID(int=self.rng.getrandbits(128), version=4)),
            "name": f"ap-{i + 1:03d}",
            "organization": "00000000-0000-4000-8000-000000000001",
            "group": None,
            "mac_address": mac_of(i + 1),
            "hardware_id": f"HW{i + 1:06d}",
            "key": secrets.token_hex(16),
            "last_ip": f"10.20.{i // 250}.{1 + i % 250}",
            "management_ip": f"10.8.{i // 250}.{1 + i % 250}",
            "model": model,
            "os": os_,
            "system": system,
            "notes": "",
            "config": {"status": "applied", "backend": "netjsonconfig.OpenWrt"},
            "created": stamp,
            "modified": stamp,
        }
        device.update(fields)
        self.devices.append(device)
        self.status[device["id"]] = "ok"
        return device

    def set_status(self, device_id: str, status: str) -> None:
        with self.lock:
            self.status[device_id] = status

    def expire_tokens(self) -> None:
        with self.lock:
            self.tokens.clear()

    def step(self) -> None:
        """One tick of life: device 0 flaps, a few others change."""
        with self.lock:
            self._step()

    def _step(self) -> None:
        self.ticks_done += 1
        if not self.devices:
            return
        first = self.devices[0]["id"]
        self.status[first] = "critical" if self.status[first] != "critical" else "ok"
        for device in self.rng.sample(self.devices[1:], k=min(2, len(self.devices) - 1)):
            self.status[device["id"]] = self.rng.choice(("ok", "ok", "ok", "problem", "critical"))

    def _catch_up(self) -> None:
        if self.tick <= 0:
            return
        due = int((time.monotonic() - self.started) / self.tick)
        while self.ticks_done < due:
            self._step()

    def issue_token(self, username: str, password: str) -> str | None:
        with self.lock:
            self.token_requests += 1
            if username != self.username or password != self.password:
                return None
            token = secrets.token_hex(20)
            self.tokens[token] = time.monotonic()
            return token

    def token_valid(self, token: str) -> bool:
        with self.lock:
            issued = self.tokens.get(token)
            if issued is None:
                return False
            if time.monotonic() - issued > self.token_ttl:
                del self.tokens[token]
                return False
            return True

    def monitoring_of(self, device: dict[str, Any], *, detail: bool) -> dict[str, Any]:
        status = self.status[device["id"]]
        monitoring: dict[str, Any] = {"status": status, "status_label": LABELS[status]}
        if detail:
            healthy = status in ("ok", "unknown", "deactivated")
            monitoring["related_metrics"] = [
                {"name": "ping", "is_healthy": status != "critical"},
                {"name": "CPU usage", "is_healthy": healthy},
                {"name": "Memory usage", "is_healthy": True},
            ]
        return {**device, "monitoring": monitoring}


class Handler(BaseHTTPRequestHandler):
    server: OpenWispServer
    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:  # quiet
        return

    @property
    def state(self) -> OpenWispState:
        return self.server.state

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _json(self, status: int, data: Any) -> None:
        self._send(status, json.dumps(data).encode(), "application/json")

    def _prelude(self) -> bool:
        """Apply the injected faults; False when the request is answered (or dropped)."""
        state = self.state
        state.requests.append(f"{self.command} {self.path}")
        if state.delay:
            time.sleep(state.delay)
        if state.down:
            self.close_connection = True
            self.connection.close()
            return False
        if state.html:
            page = b"<!DOCTYPE html><html><body><h1>Log in</h1></body></html>"
            self._send(200, page, "text/html; charset=utf-8")
            return False
        return True

    def _authorised(self) -> bool:
        header = self.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme != "Bearer" or not self.state.token_valid(token.strip()):
            self._json(401, {"detail": "Invalid token."})
            return False
        return True

    def do_POST(self) -> None:  # noqa: N802
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if not self._prelude():
            return
        if urlsplit(self.path).path != "/api/v1/users/token/":
            self._json(404, {"detail": "Not found."})
            return
        if "json" in (self.headers.get("Content-Type") or ""):
            try:
                data = json.loads(raw or b"{}")
            except ValueError:
                self._json(400, {"detail": "JSON parse error"})
                return
        else:
            data = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
        token = self.state.issue_token(str(data.get("username", "")), str(data.get("password", "")))
        if token is None:
            self._json(400, {"non_field_errors": ["Unable to log in with provided credentials."]})
            return
        self._json(200, {"token": token, "is_active": True, "method": "password"})

    def do_GET(self) -> None:  # noqa: N802
        if not self._prelude():
            return
        if not self._authorised():
            return
        parts = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        with self.state.lock:
            self.state._catch_up()
            if parts.path == "/api/v1/controller/device/":
                self._page(parts.path, query, list(self.state.devices), monitoring=False)
            elif parts.path == "/api/v1/monitoring/device/":
                wanted = query.get("monitoring__status")
                rows = [
                    d
                    for d in self.state.devices
                    if wanted is None or self.state.status[d["id"]] == wanted
                ]
                self._page(parts.path, query, rows, monitoring=True)
            elif parts.path.startswith("/api/v1/monitoring/device/"):
                device_id = parts.path.rstrip("/").rsplit("/", 1)[-1]
                device = next((d for d in self.state.devices if d["id"] == device_id), None)
                if device is None:
                    self._json(404, {"detail": "Not found."})
                else:
                    self._json(200, self.state.monitoring_of(device, detail=True))
            else:
                self._json(404, {"detail": "Not found."})

    def _page(self, path: str, query: dict[str, str], rows: list, *, monitoring: bool) -> None:
        state = self.state
        try:
            page = max(1, int(query.get("page", "1")))
            size = min(MAX_PAGE_SIZE, max(1, int(query.get("page_size", DEFAULT_PAGE_SIZE))))
        except ValueError:
            self._json(404, {"detail": "Invalid page."})
            return
        count = len(rows)
        pages = max(1, -(-count // size))
        if page > pages and not state.endless:
            self._json(404, {"detail": "Invalid page."})
            return
        chunk = rows[(page - 1) * size : page * size]
        if state.endless:  # a server whose last page never comes
            chunk = rows[:size]
            count = (page + 1) * size
        results = [state.monitoring_of(d, detail=False) if monitoring else dict(d) for d in chunk]
        if state.wrong_type:
            for r in results:
                r["mac_address"] = 12345
        host = self.headers.get("Host") or "127.0.0.1"

        def link(n: int) -> str:
            q = {k: v for k, v in query.items() if k != "page"}
            q["page"] = str(n)
            return f"http://{host}{path}?{urlencode(q)}"

        has_next = state.endless or page < pages
        next_url = link(page + 1) if has_next else None
        if state.loop and page >= 2:
            next_url = link(1)
        self._json(
            200,
            {
                "count": count,
                "next": next_url,
                "previous": link(page - 1) if page > 1 else None,
                "results": results,
            },
        )


class OpenWispServer(SimulatorServer):
    handler = Handler
    thread_name = "openwisp-sim"


def serve(*, host: str = "127.0.0.1", port: int = 0, **state_options: Any) -> OpenWispServer:
    """An OpenWISP simulator listening on (host, port), not yet serving."""
    return OpenWispServer((host, port), OpenWispState(**state_options))
