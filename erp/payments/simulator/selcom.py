"""A Selcom Checkout simulator speaking its HTTP API on a real socket, checking every
request's HMAC digest (see erp/payments/providers/selcom.py for the scheme).

``POST /v1/checkout/create-order-minimal`` files an order; ``POST
/v1/checkout/wallet-payment`` sends the USSD push (the order is then INPROGRESS, waiting for
the customer's PIN); ``GET /v1/checkout/order-status?order_id=`` reads it. The customer's
phone is ``approve(order_id)`` / ``reject(order_id)``: the order is COMPLETED (or
USERCANCELED) and its signed webhook is posted to the URL the order carried (base64).
Faults: ``fail_next`` (answer 500).
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import threading
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests

from erp.core.simulators import SimulatorServer
from erp.payments.providers.selcom import SignatureError, signed_headers, verify_signed

_PHONE = re.compile(r"^255\d{9}$")


class SelcomState:
    def __init__(self, *, api_key: str, api_secret: str):
        self.api_key = api_key
        self.api_secret = api_secret
        self.orders: dict[str, dict[str, Any]] = {}
        self.lock = threading.Lock()
        self.fail_next = 0
        self.pushes: list[str] = []
        self.webhooks_sent: list[dict[str, Any]] = []

    def _finish(self, order_id: str, status: str) -> dict[str, Any]:
        with self.lock:
            order = self.orders[order_id]
            if order["payment_status"] in {"PENDING", "INPROGRESS"}:
                order["payment_status"] = status
                order["reference"] = "S" + secrets.token_hex(5).upper()
                order["transid"] = order.get("transid") or order_id
            order = dict(order)
        body = {
            "result": "SUCCESS" if status == "COMPLETED" else "FAIL",
            "resultcode": "000",
            "order_id": order_id,
            "transid": order["transid"],
            "reference": order["reference"],
            "channel": "MPESA-TZ",
            "amount": str(order["amount"]),
            "phone": order["buyer_phone"],
            "payment_status": status,
        }
        url = base64.b64decode(order["webhook"]).decode() if order["webhook"] else ""
        if url:
            headers = signed_headers(self.api_key, self.api_secret, body)
            try:
                code = requests.post(url, json=body, headers=headers, timeout=10).status_code
            except requests.RequestException:
                code = 0
            self.webhooks_sent.append({"body": body, "status": code})
        return body

    def approve(self, order_id: str) -> dict[str, Any]:
        return self._finish(order_id, "COMPLETED")

    def reject(self, order_id: str) -> dict[str, Any]:
        return self._finish(order_id, "USERCANCELED")


class Handler(BaseHTTPRequestHandler):
    server: SelcomServer
    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:
        pass

    def _json(self, status: int, data: Any) -> None:
        body = json.dumps(data).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _check(self, data: dict[str, Any]) -> bool:
        state = self.server.state
        with state.lock:
            failing = state.fail_next > 0
            if failing:
                state.fail_next -= 1
        if failing:
            self._json(500, {"resultcode": "999", "result": "FAIL", "message": "simulated"})
            return False
        try:
            verify_signed(self.headers, data, api_key=state.api_key, secret=state.api_secret)
        except SignatureError as exc:
            self._json(401, {"resultcode": "403", "result": "FAIL", "message": str(exc)})
            return False
        return True

    def do_GET(self) -> None:  # noqa: N802
        parts = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        if parts.path != "/v1/checkout/order-status":
            return self._json(404, {"resultcode": "404", "result": "FAIL"})
        if not self._check(query):
            return None
        with self.server.state.lock:
            order = self.server.state.orders.get(query.get("order_id", ""))
            row = dict(order) if order else None
        if row is None:
            return self._json(200, {"resultcode": "000", "result": "SUCCESS", "data": []})
        row.pop("webhook", None)
        return self._json(200, {"resultcode": "000", "result": "SUCCESS", "data": [row]})

    def do_POST(self) -> None:  # noqa: N802
        length = int(self.headers.get("Content-Length") or 0)
        try:
            data = json.loads(self.rfile.read(length) or b"{}")
        except ValueError:
            return self._json(400, {"resultcode": "400", "result": "FAIL"})
        path = urlsplit(self.path).path
        if path not in {"/v1/checkout/create-order-minimal", "/v1/checkout/wallet-payment"}:
            return self._json(404, {"resultcode": "404", "result": "FAIL"})
        if not self._check(data):
            return None
        state = self.server.state
        if path == "/v1/checkout/create-order-minimal":
            if not _PHONE.match(str(data.get("buyer_phone", ""))) or data.get("currency") != "TZS":
                return self._json(400, {"resultcode": "400", "result": "FAIL"})
            with state.lock:
                if data["order_id"] in state.orders:
                    return self._json(200, {"resultcode": "000", "result": "SUCCESS"})
                state.orders[data["order_id"]] = {
                    "order_id": data["order_id"],
                    "amount": int(data["amount"]),
                    "currency": "TZS",
                    "buyer_phone": data["buyer_phone"],
                    "webhook": data.get("webhook", ""),
                    "payment_status": "PENDING",
                    "transid": "",
                    "reference": "",
                }
            return self._json(200, {"resultcode": "000", "result": "SUCCESS", "data": []})
        with state.lock:
            order = state.orders.get(data.get("order_id", ""))
            if order is None:
                return self._json(404, {"resultcode": "404", "result": "FAIL"})
            order["payment_status"] = "INPROGRESS"
            order["transid"] = data.get("transid", "")
            state.pushes.append(str(data.get("msisdn")))
        return self._json(200, {"resultcode": "111", "result": "PENDING", "message": "push sent"})


class SelcomServer(SimulatorServer):
    handler = Handler
    thread_name = "selcom-sim"


def serve(*, host: str = "127.0.0.1", port: int = 0, api_key: str, api_secret: str):
    return SelcomServer((host, port), SelcomState(api_key=api_key, api_secret=api_secret))
