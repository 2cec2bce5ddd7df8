"""A Wave Checkout simulator speaking Wave's HTTP API on a real socket.

API (Bearer key): ``POST /v1/checkout/sessions`` (amount as a string with the currency's
decimals, currency XOF/UGX/GMD, client_reference, success_url, error_url) → the session with
``wave_launch_url``; ``GET /v1/checkout/sessions/<id>``; ``GET
/v1/checkout/sessions/search?client_reference=`` → ``{"result": [...]}``; ``POST
/v1/checkout/sessions/<id>/refund`` (a succeeded session only; 200 with an empty body; the
same ``Idempotency-Key`` again answers the first answer, a second refund under another key is
409 ``checkout-refund-failed``).

The customer's side: ``wave_launch_url`` is ``/pay/<id>`` here, a page with Pay and Cancel
buttons. Paying marks the session succeeded, posts the signed webhook
``checkout.session.completed`` (``Wave-Signature: t=<unix>,v1=<hex>`` with one v1 per
configured secret) to the webhook URL, then redirects the customer to ``success_url``.

Faults a test or bench injects: ``fail_next`` (answer 500 that many times), ``lose_create``
(make the session, then answer 500: the client must find it by reference), ``delay``
(seconds before each answer), ``webhook_copies`` (deliver each webhook n times),
``lose_refund`` (refund, then answer 500: the client must retry with the same key).
"""

from __future__ import annotations

import hashlib
import hmac
import html
import json
import re
import secrets
import threading
import time
from decimal import Decimal, InvalidOperation
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests

from erp.core.simulators import SimulatorServer

CURRENCIES = {"XOF": 0, "UGX": 0, "GMD": 2}
_AMOUNT = re.compile(r"^\d+(\.\d{1,2})?$")


def sign(secret: str, timestamp: int, body: bytes) -> str:
    return hmac.new(secret.encode(), str(timestamp).encode() + body, hashlib.sha256).hexdigest()


def signature_header(secrets_: list[str], timestamp: int, body: bytes) -> str:
    return ",".join([f"t={timestamp}", *(f"v1={sign(s, timestamp, body)}" for s in secrets_)])


class WaveState:
    """Sessions and settings; every access holds the lock (the server is threaded)."""

    def __init__(self, *, api_key: str, webhook_secrets: list[str], webhook_url: str = ""):
        self.api_key = api_key
        self.webhook_secrets = list(webhook_secrets)
        self.webhook_url = webhook_url
        self.sessions: dict[str, dict[str, Any]] = {}
        self.lock = threading.Lock()
        self.fail_next = 0
        self.lose_create = 0
        self.delay = 0.0
        self.webhook_copies = 1
        self.webhooks_sent: list[dict[str, Any]] = []
        self.requests = 0
        self.public_base = ""
        self.lose_refund = 0
        self.refunds: list[dict[str, Any]] = []  # each money movement back to a customer
        self.idempotent: dict[str, tuple[int, Any]] = {}  # Idempotency-Key → first answer
        self.refunded: set[str] = set()

    def new_session(self, body: dict[str, Any]) -> dict[str, Any]:
        session_id = "cos-" + secrets.token_hex(8)
        now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        session = {
            "id": session_id,
            "amount": body["amount"],
            "checkout_status": "open",
            "client_reference": body.get("client_reference"),
            "currency": body["currency"],
            "error_url": body["error_url"],
            "success_url": body["success_url"],
            "business_name": "ViorNet demo",
            "payment_status": "processing",
            "transaction_id": None,
            "aggregated_merchant_id": None,
            "wave_launch_url": f"{self.public_base}/pay/{session_id}",
            "when_created": now,
            "when_expires": now,
            "when_completed": None,
            "last_payment_error": None,
        }
        self.sessions[session_id] = session
        return session

    def complete(self, session_id: str, *, succeeded: bool = True) -> dict[str, Any]:
        with self.lock:
            session = self.sessions[session_id]
            if session["checkout_status"] == "open":
                if succeeded:
                    session["payment_status"] = "succeeded"
                    session["checkout_status"] = "complete"
                    session["transaction_id"] = "T_" + secrets.token_hex(6).upper()
                    session["when_completed"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
                else:
                    session["payment_status"] = "cancelled"
                    session["last_payment_error"] = {"code": "payer-cancelled"}
            return dict(session)

    def event(self, session: dict[str, Any]) -> dict[str, Any]:
        kind = (
            "checkout.session.completed"
            if session["payment_status"] == "succeeded"
            else "checkout.session.payment_failed"
        )
        return {"id": "EV_" + secrets.token_hex(8), "type": kind, "data": session}

    def deliver(self, event: dict[str, Any], *, url: str | None = None) -> int:
        """POST one signed webhook; returns the HTTP status (0 when nothing answered)."""
        url = url or self.webhook_url
        if not url:
            return 0
        body = json.dumps(event, separators=(",", ":")).encode()
        header = signature_header(self.webhook_secrets, int(time.time()), body)
        try:
            status = requests.post(
                url,
                data=body,
                headers={"Content-Type": "application/json", "Wave-Signature": header},
                timeout=10,
            ).status_code
        except requests.RequestException:
            status = 0
        self.webhooks_sent.append({"event": event, "status": status})
        return status


class Handler(BaseHTTPRequestHandler):
    server: WaveServer
    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:  # quiet
        pass

    @property
    def state(self) -> WaveState:
        return self.server.state

    def _json(self, status: int, data: Any) -> None:
        body = json.dumps(data).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _html(self, status: int, text: str) -> None:
        body = text.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _redirect(self, url: str) -> None:
        self.send_response(303)
        self.send_header("Location", url)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _faulty(self) -> bool:
        state = self.state
        if state.delay:
            time.sleep(state.delay)
        with state.lock:
            state.requests += 1
            if state.fail_next > 0:
                state.fail_next -= 1
                failing = True
            else:
                failing = False
        if failing:
            self._json(500, {"code": "internal-server-error", "message": "simulated failure"})
        return failing

    def _authorised(self) -> bool:
        if self.headers.get("Authorization") != f"Bearer {self.state.api_key}":
            self._json(401, {"code": "no-auth", "message": "Invalid or missing API key."})
            return False
        return True

    # --- API --------------------------------------------------------------------------------
    def do_GET(self) -> None:  # noqa: N802
        parts = urlsplit(self.path)
        if parts.path.startswith("/pay/"):
            return self._pay_page(parts.path[len("/pay/") :])
        if self._faulty() or not self._authorised():
            return None
        if parts.path == "/v1/checkout/sessions/search":
            reference = parse_qs(parts.query).get("client_reference", [""])[0]
            with self.state.lock:
                found = [
                    dict(s)
                    for s in self.state.sessions.values()
                    if s["client_reference"] == reference
                ]
            return self._json(200, {"result": found})
        match = re.fullmatch(r"/v1/checkout/sessions/([\w-]+)", parts.path)
        if match:
            with self.state.lock:
                session = self.state.sessions.get(match.group(1))
            if session is None:
                return self._json(404, {"code": "not-found", "message": "No such session."})
            return self._json(200, dict(session))
        return self._json(404, {"code": "not-found", "message": "No such endpoint."})

    def do_POST(self) -> None:  # noqa: N802
        parts = urlsplit(self.path)
        body = self._body()
        pay = re.fullmatch(r"/pay/([\w-]+)/(confirm|cancel)", parts.path)
        if pay:
            return self._pay(pay.group(1), pay.group(2) == "confirm")
        refund = re.fullmatch(r"/v1/checkout/sessions/([\w-]+)/refund", parts.path)
        if refund:
            if self._faulty() or not self._authorised():
                return None
            return self._refund(refund.group(1), self.headers.get("Idempotency-Key", ""))
        if parts.path != "/v1/checkout/sessions":
            return self._json(404, {"code": "not-found", "message": "No such endpoint."})
        if self._faulty() or not self._authorised():
            return None
        try:
            data = json.loads(body)
        except ValueError:
            return self._json(400, {"code": "request-validation-error", "message": "Bad JSON"})
        problem = self._validate(data)
        if problem:
            return self._json(400, {"code": "request-validation-error", "message": problem})
        with self.state.lock:
            session = self.state.new_session(data)
            lose = self.state.lose_create > 0
            if lose:
                self.state.lose_create -= 1
        if lose:
            return self._json(500, {"code": "internal-server-error", "message": "lost"})
        return self._json(200, dict(session))

    def _refund(self, session_id: str, key: str) -> None:
        state = self.state
        with state.lock:
            if key and key in state.idempotent:
                status, data = state.idempotent[key]
            else:
                session = state.sessions.get(session_id)
                if session is None:
                    status, data = 404, {"code": "not-found", "message": "No such session."}
                elif session["payment_status"] != "succeeded" or session_id in state.refunded:
                    status, data = (
                        409,
                        {
                            "code": "checkout-refund-failed",
                            "message": "This checkout session cannot be refunded.",
                        },
                    )
                else:
                    state.refunded.add(session_id)
                    state.refunds.append(
                        {"session": session_id, "amount": session["amount"], "key": key}
                    )
                    status, data = 200, None
                if key:
                    state.idempotent[key] = (status, data)
            lose = status == 200 and state.lose_refund > 0
            if lose:
                state.lose_refund -= 1
        if lose:
            return self._json(500, {"code": "internal-server-error", "message": "lost"})
        if data is None:
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return None
        return self._json(status, data)

    @staticmethod
    def _validate(data: Any) -> str:
        if not isinstance(data, dict):
            return "Body must be an object."
        amount, currency = data.get("amount"), data.get("currency")
        if not isinstance(amount, str) or not _AMOUNT.match(amount):
            return "amount must be a string of digits."
        if currency not in CURRENCIES:
            return f"currency {currency!r} is not supported."
        try:
            value = Decimal(amount)
        except InvalidOperation:
            return "amount is not a number."
        if value <= 0 or value != value.quantize(Decimal(1).scaleb(-CURRENCIES[currency])):
            return f"amount has too many decimals for {currency}."
        for url in ("success_url", "error_url"):
            if not str(data.get(url) or "").startswith(("http://", "https://")):
                return f"{url} must be an http(s) URL."
        if len(str(data.get("client_reference") or "")) > 255:
            return "client_reference is too long."
        return ""

    # --- the customer's side ---------------------------------------------------------------
    def _pay_page(self, session_id: str) -> None:
        with self.state.lock:
            session = self.state.sessions.get(session_id)
        if session is None:
            return self._html(404, "<p>Unknown checkout.</p>")
        sid = html.escape(session_id)
        amount = html.escape(f"{session['amount']} {session['currency']}")
        return self._html(
            200,
            f"""<!doctype html><html><head><meta name="viewport"
content="width=device-width,initial-scale=1"><title>Wave</title></head><body>
<h1>Wave</h1><p>Pay <strong id="amount">{amount}</strong> to {session["business_name"]}</p>
<form method="post" action="/pay/{sid}/confirm"><button id="pay">Pay</button></form>
<form method="post" action="/pay/{sid}/cancel"><button id="cancel">Cancel</button></form>
</body></html>""",
        )

    def _pay(self, session_id: str, succeeded: bool) -> None:
        if session_id not in self.state.sessions:
            return self._html(404, "<p>Unknown checkout.</p>")
        session = self.state.complete(session_id, succeeded=succeeded)
        event = self.state.event(session)
        for _ in range(self.state.webhook_copies):
            self.state.deliver(event)
        return self._redirect(session["success_url"] if succeeded else session["error_url"])


class WaveServer(SimulatorServer):
    handler = Handler
    thread_name = "wave-sim"

    def __init__(self, address: tuple[str, int], state: WaveState):
        super().__init__(address, state)
        host, port = self.server_address[:2]
        state.public_base = state.public_base or f"http://{host}:{port}"


def serve(
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    api_key: str,
    webhook_secrets: list[str],
    webhook_url: str = "",
) -> WaveServer:
    """A Wave simulator listening on (host, port), not yet serving."""
    return WaveServer(
        (host, port),
        WaveState(api_key=api_key, webhook_secrets=webhook_secrets, webhook_url=webhook_url),
    )
