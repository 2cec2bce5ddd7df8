"""A simulator of SMS Gateway for Android (local-server mode) over real HTTP.

It speaks the app's API as the adapter uses it: ``POST /messages`` (Basic auth; 202 with the
message and its state; 409 for an id it already has; 429 over its own rate limit, counted in
parts over a sliding window), ``GET /messages/{id}``, ``POST``/``GET /webhooks``; and it
calls the registered webhooks, signed ``X-Signature = hex(HMAC-SHA256(key, body +
X-Timestamp))``: ``sms:sent`` once the message "leaves", then one ``sms:delivered`` per part
(``sms:failed`` for a number in ``failing_numbers``). ``receive`` plays an inbound SMS.

Faults for tests: ``fail_next`` (answer N requests with a status), ``delay`` (answer late:
a timeout), ``stop()`` (down).
"""

from __future__ import annotations

import base64
import collections
import hashlib
import hmac
import json
import queue
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib import request as urlrequest

from erp.messaging import encoding


class AndroidGatewaySimulator:
    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        username: str = "sms",
        password: str = "sim-pass",  # noqa: S107 - a simulator's demo login
        signing_key: str = "sim-signing-key",
        parts_per_window: int = 30,
        window: float = 60.0,
        send_delay: float = 0.0,
        deliver: bool = True,
        device_id: str = "sim-device",
    ) -> None:
        self.username = username
        self.password = password
        self.signing_key = signing_key
        self.parts_per_window = parts_per_window
        self.window = window
        self.send_delay = send_delay
        self.deliver = deliver
        self.device_id = device_id
        self.lock = threading.Lock()
        self.messages: dict[str, dict] = {}
        self.accepted: list[tuple[float, str, int]] = []  # (time, id, parts)
        self.posts: collections.Counter = collections.Counter()  # POSTs per id, 409s included
        self.rejected_for_rate = 0
        self.webhooks: dict[str, dict] = {}
        self.webhook_log: list[dict] = []
        self.failing_numbers: set[str] = set()
        self.fail_next: list[int] = []
        self.delay = 0.0
        self._window: collections.deque = collections.deque()
        self._outbox: queue.Queue = queue.Queue()
        self.server = ThreadingHTTPServer((host, port), self._handler())
        self.server.daemon_threads = True
        self.host, self.port = self.server.server_address[:2]
        self._threads: list[threading.Thread] = []

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    # --- life -----------------------------------------------------------------------------
    def start(self) -> AndroidGatewaySimulator:
        for target in (self.server.serve_forever, self._dispatch):
            thread = threading.Thread(target=target, daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._outbox.put(None)

    def serve_forever(self) -> None:
        threading.Thread(target=self._dispatch, daemon=True).start()
        self.server.serve_forever()

    # --- what tests look at ---------------------------------------------------------------
    def sent_ids(self) -> collections.Counter:
        """How many times each id was accepted (a 409 is not an acceptance)."""
        return collections.Counter(mid for _t, mid, _p in self.accepted)

    def max_parts_in_window(self) -> int:
        """The most parts accepted in any window: never above the limit if the client
        keeps to it."""
        worst, start, total = 0, 0, 0
        rows = sorted(self.accepted)
        for t, _mid, parts in rows:
            total += parts
            while rows[start][0] <= t - self.window:
                total -= rows[start][2]
                start += 1
            worst = max(worst, total)
        return worst

    # --- behaviour ------------------------------------------------------------------------
    def _admit(self, parts: int, now: float) -> float:
        """0 when ``parts`` fit in the window now (and counts them), else seconds to wait."""
        while self._window and self._window[0][0] <= now - self.window:
            self._window.popleft()
        used = sum(p for _t, p in self._window)
        if used + parts <= self.parts_per_window or used == 0:
            self._window.append((now, parts))
            return 0.0
        need, freed = used + parts - self.parts_per_window, 0
        for t, p in self._window:
            freed += p
            if freed >= need:
                return max(0.01, t + self.window - now)
        return self.window

    def post_message(self, body: dict) -> tuple[int, dict, dict]:
        text = ((body.get("textMessage") or {}).get("text")) or body.get("message")
        numbers = body.get("phoneNumbers") or []
        if not isinstance(text, str) or not text or not numbers:
            return 400, {"message": "textMessage.text and phoneNumbers are required"}, {}
        mid = str(body.get("id") or uuid.uuid4())
        now = time.time()
        with self.lock:
            self.posts[mid] += 1
            if mid in self.messages:
                return 409, {"message": f"message with id {mid} already exists"}, {}
            parts = encoding.count(text).parts
            wait = self._admit(parts * len(numbers), now)
            if wait > 0:
                self.rejected_for_rate += 1
                return 429, {"message": "rate limit exceeded"}, {"Retry-After": f"{wait:.2f}"}
            message = {
                "id": mid,
                "state": "Pending",
                "text": text,
                "parts": parts,
                "recipients": [{"phoneNumber": n, "state": "Pending"} for n in numbers],
            }
            self.messages[mid] = message
            self.accepted.append((now, mid, parts))
        self._outbox.put(mid)
        return 202, self._public(message), {}

    @staticmethod
    def _public(message: dict) -> dict:
        return {
            "id": message["id"],
            "state": message["state"],
            "recipients": message["recipients"],
        }

    def receive(self, phone: str, text: str) -> None:
        """An inbound SMS reaches the phone: ``sms:received`` to the webhooks."""
        self._emit(
            "sms:received",
            {
                "messageId": hashlib.sha256(f"{phone}{text}".encode()).hexdigest()[:16],
                "message": text,
                "phoneNumber": phone,
                "simNumber": 1,
                "receivedAt": time.strftime("%Y-%m-%dT%H:%M:%S"),
            },
        )

    def _dispatch(self) -> None:
        """The phone's radio: sends what was accepted, then reports by webhook."""
        while True:
            mid = self._outbox.get()
            if mid is None:
                return
            if self.send_delay:
                time.sleep(self.send_delay)
            with self.lock:
                message = self.messages[mid]
                failed = any(
                    r["phoneNumber"] in self.failing_numbers for r in message["recipients"]
                )
                message["state"] = "Failed" if failed else "Sent"
                for r in message["recipients"]:
                    r["state"] = message["state"]
                    if failed:
                        r["error"] = "RESULT_ERROR_GENERIC_FAILURE"
            phone = message["recipients"][0]["phoneNumber"]
            if failed:
                self._emit(
                    "sms:failed",
                    {
                        "messageId": mid,
                        "phoneNumber": phone,
                        "reason": "RESULT_ERROR_GENERIC_FAILURE",
                    },
                )
                continue
            self._emit(
                "sms:sent", {"messageId": mid, "phoneNumber": phone, "partsCount": message["parts"]}
            )
            if self.deliver:
                for _part in range(message["parts"]):
                    self._emit("sms:delivered", {"messageId": mid, "phoneNumber": phone})
                with self.lock:
                    message["state"] = "Delivered"

    def envelope(self, event: str, payload: dict, *, webhook_id: str = "") -> dict:
        return {
            "id": uuid.uuid4().hex,
            "webhookId": webhook_id,
            "event": event,
            "deviceId": self.device_id,
            "payload": payload,
        }

    def sign(self, body: bytes, timestamp: str) -> str:
        return hmac.new(
            self.signing_key.encode(), body + timestamp.encode(), hashlib.sha256
        ).hexdigest()

    def _emit(self, event: str, payload: dict) -> None:
        for hook in list(self.webhooks.values()):
            if hook["event"] != event:
                continue
            body = json.dumps(self.envelope(event, payload, webhook_id=hook["id"])).encode()
            self.post_signed(hook["url"], body)

    def post_signed(self, url: str, body: bytes, *, timestamp: str | None = None) -> int:
        timestamp = timestamp or str(int(time.time()))
        req = urlrequest.Request(  # noqa: S310 - the registered http(s) webhook
            url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "X-Timestamp": timestamp,
                "X-Signature": self.sign(body, timestamp),
            },
        )
        status = 0
        for _try in range(3):
            try:
                with urlrequest.urlopen(req, timeout=10) as response:  # noqa: S310
                    status = response.status
                    break
            except Exception as exc:  # noqa: BLE001 - a webhook target that fails is retried
                status = getattr(exc, "code", 0)
                if status and status < 500:
                    break
                time.sleep(0.2)
        self.webhook_log.append({"url": url, "status": status, "body": body})
        return status

    # --- HTTP -----------------------------------------------------------------------------
    def _handler(self):
        sim = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body go as two writes

            def log_message(self, *args) -> None:  # quiet
                pass

            def _send(
                self, status: int, body: dict | None = None, headers: dict | None = None
            ) -> None:
                data = json.dumps(body or {}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

            def _authorised(self) -> bool:
                expected = base64.b64encode(f"{sim.username}:{sim.password}".encode()).decode()
                given = self.headers.get("Authorization", "")
                if hmac.compare_digest(given, f"Basic {expected}"):
                    return True
                self._send(
                    401,
                    {"message": "Unauthorized"},
                    {"WWW-Authenticate": 'Basic realm="SMS Gateway"'},
                )
                return False

            def _body(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    return json.loads(raw or b"{}")
                except ValueError:
                    return None

            def _faults(self) -> bool:
                if sim.delay:
                    time.sleep(sim.delay)
                if sim.fail_next:
                    self._send(sim.fail_next.pop(0), {"message": "simulated failure"})
                    return True
                return False

            def do_POST(self) -> None:
                body = self._body()
                if not self._authorised() or self._faults():
                    return
                if not isinstance(body, dict):
                    return self._send(400, {"message": "invalid JSON"})
                if self.path.rstrip("/") == "/messages":
                    status, data, headers = sim.post_message(body)
                    return self._send(status, data, headers)
                if self.path.rstrip("/") == "/webhooks":
                    if not body.get("url") or body.get("event") not in (
                        "sms:sent",
                        "sms:delivered",
                        "sms:failed",
                        "sms:received",
                    ):
                        return self._send(400, {"message": "url and a known event are required"})
                    hook = {
                        "id": str(body.get("id") or uuid.uuid4()),
                        "url": body["url"],
                        "event": body["event"],
                    }
                    sim.webhooks[hook["id"]] = hook
                    return self._send(201, hook)
                self._send(404, {"message": "not found"})

            def do_GET(self) -> None:
                if not self._authorised() or self._faults():
                    return
                path = self.path.rstrip("/")
                if path == "/webhooks":
                    return self._send(200, list(sim.webhooks.values()))  # type: ignore[arg-type]
                if path.startswith("/messages/"):
                    message = sim.messages.get(path.split("/", 2)[2])
                    if message is None:
                        return self._send(404, {"message": "message not found"})
                    return self._send(200, sim._public(message))
                if path == "/health":
                    return self._send(200, {"status": "pass"})
                self._send(404, {"message": "not found"})

        return Handler
