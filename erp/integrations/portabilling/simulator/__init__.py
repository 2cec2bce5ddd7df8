"""A PortaBilling simulator speaking the JSON API on a real socket.

``POST /rest/<Service>/<method>`` with form fields ``auth_info`` and ``params`` (JSON each), or
a JSON body ``{"auth_info": …, "params": …}``; success is 200 + a JSON object, every fault
is 500 + ``{"faultcode", "faultstring"}``, as PortaBilling answers.

Methods: Session/login (login + password or token → session_id, access_token,
refresh_token, expires_in), Session/refresh_access_token, Session/logout,
Account/add_account, Account/get_account_info (exactly one of i_account, id, login),
Account/update_account, Account/make_transaction, Account/get_xdr_list,
Customer/get_customer_info.

Faults a test or bench injects on ``state``: ``fail_after_apply[method] = n`` (apply, then
answer 500 n times), ``fail_before[method] = n`` (500 without applying), ``delay`` (seconds
before each answer), ``expire_sessions()`` (every session and token becomes invalid),
``html_next`` (answer an HTML error page n times), ``trickle_next`` (an answer that
trickles a byte every 0.1 s and never ends, n times), ``wrong_type_next`` (account_info.balance
sent as a list n times).
"""

from __future__ import annotations

import gzip
import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs

from erp.core.simulators import SimulatorServer


class Fault(Exception):
    def __init__(self, code: str, text: str):
        super().__init__(text)
        self.code = code
        self.text = text


class PortaState:
    """Customers, accounts, payments and sessions; every access holds the lock."""

    def __init__(self, *, login: str, password: str, token: str = ""):
        self.login = login
        self.password = password
        self.token = token
        self.lock = threading.Lock()
        self.sessions: set[str] = set()
        self.access_tokens: set[str] = set()
        self.refresh_tokens: set[str] = set()
        self.customers: dict[int, dict[str, Any]] = {}
        self.accounts: dict[int, dict[str, Any]] = {}
        self.xdrs: dict[int, list[dict[str, Any]]] = {}
        self.products: set[int] = {1}
        self._next_account = 1000
        self._next_xdr = 50000
        self.fail_after_apply: dict[str, int] = {}
        self.fail_before: dict[str, int] = {}
        self.delay = 0.0
        self.html_next = 0
        self.trickle_next = 0
        self.gzip = False  # compress answers, as a server behind nginx may
        self.wrong_type_next = 0
        self.token_lifetime = 3600
        self.calls: list[str] = []
        self.add_customer(1, "ViorNet demo")

    def add_customer(self, i_customer: int, name: str, currency: str = "TZS") -> None:
        self.customers[i_customer] = {
            "i_customer": i_customer,
            "name": name,
            "iso_4217": currency,
            "balance": 0.0,
            "blocked": "N",
            "status": "open",
        }

    def expire_sessions(self) -> None:
        with self.lock:
            self.sessions.clear()
            self.access_tokens.clear()

    def add_usage(self, i_account: int, count: int) -> None:
        """``count`` usage records (sessions) on the account, as a voucher in use has."""
        with self.lock:
            for _ in range(count):
                self._next_xdr += 1
                self.xdrs.setdefault(i_account, []).append(
                    {
                        "i_xdr": self._next_xdr,
                        "account_id": self.accounts[i_account]["id"],
                        "CLD": "internet",
                        "charged_amount": 1.0,
                        "bill_time": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime()),
                    }
                )

    def credits(self, i_account: int) -> list[dict[str, Any]]:
        """The payments (Manual Payment records) on the account."""
        with self.lock:
            return [dict(x) for x in self.xdrs.get(i_account, []) if x["CLD"] == "Manual Payment"]

    # --- dispatch ---------------------------------------------------------------------------
    def handle(self, name: str, auth: dict, params: dict, bearer: str) -> dict:
        with self.lock:
            self.calls.append(name)
            if name == "Session/login":
                return self._login(params)
            if name == "Session/refresh_access_token":
                return self._refresh(params)
            if not (auth.get("session_id") in self.sessions or bearer in self.access_tokens):
                raise Fault("Server.Session.check_auth.auth_failed", "Access denied")
            method = getattr(self, "_" + name.replace("/", "_"), None)
            if method is None:
                raise Fault("Client.method_not_found", f"Unknown method {name}")
            if self.fail_before.get(name):
                self.fail_before[name] -= 1
                raise Fault("Server.internal_error", "Internal server error")
            answer = method(params)
            if self.fail_after_apply.get(name):
                self.fail_after_apply[name] -= 1
                raise Fault("Server.internal_error", "Internal server error")
            return answer

    def _tokens(self) -> dict:
        session_id = secrets.token_hex(16)
        access, refresh = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
        self.sessions.add(session_id)
        self.access_tokens.add(access)
        self.refresh_tokens.add(refresh)
        return {
            "session_id": session_id,
            "access_token": access,
            "refresh_token": refresh,
            "expires_in": self.token_lifetime,
        }

    def _login(self, params: dict) -> dict:
        ok = params.get("login") == self.login and (
            (self.password and params.get("password") == self.password)
            or (self.token and params.get("token") == self.token)
        )
        if not ok:
            raise Fault("Server.Session.login.auth_failed", "Login failed")
        return self._tokens()

    def _refresh(self, params: dict) -> dict:
        refresh = params.get("refresh_token")
        if refresh not in self.refresh_tokens:
            raise Fault("Server.Session.refresh_access_token.auth_failed", "Invalid token")
        self.refresh_tokens.discard(refresh)
        return self._tokens()

    def _Session_logout(self, params: dict) -> dict:
        return {"success": 1}

    def _find(self, params: dict) -> dict | None:
        keys = [k for k in ("i_account", "id", "login") if params.get(k) not in (None, "")]
        if len(keys) != 1:
            raise Fault(
                "Client.Account.get_account_info.params",
                "Exactly one of i_account, id, login is required",
            )
        key = keys[0]
        if key == "i_account":
            if not isinstance(params["i_account"], int):
                raise Fault("Client.validation", "i_account must be an integer")
            return self.accounts.get(params["i_account"])
        field = "id" if key == "id" else "login"
        return next((a for a in self.accounts.values() if a[field] == params[key]), None)

    def _Account_get_account_info(self, params: dict) -> dict:
        account = self._find(params)
        if account is None:
            return {}
        info = dict(account)
        if self.wrong_type_next:
            self.wrong_type_next -= 1
            info["balance"] = [info["balance"]]
        return {"account_info": info}

    def _Account_add_account(self, params: dict) -> dict:
        info = params.get("account_info")
        if not isinstance(info, dict):
            raise Fault("Client.validation", "account_info is required")
        code = info.get("id")
        if not isinstance(code, str) or not code:
            raise Fault("Client.validation", "id is required")
        if any(a["id"] == code for a in self.accounts.values()):
            raise Fault("Server.Account.add_account.duplicate_id", f"Account {code} exists")
        if info.get("i_customer") not in self.customers:
            raise Fault("Server.Account.add_account.customer_not_found", "No such customer")
        if info.get("i_product") not in self.products:
            raise Fault("Server.Account.add_account.product_not_found", "No such product")
        opening = info.get("opening_balance", 0)
        if isinstance(opening, bool) or not isinstance(opening, int | float):
            raise Fault("Client.validation", "opening_balance must be a number")
        self._next_account += 1
        i_account = self._next_account
        self.accounts[i_account] = {
            "i_account": i_account,
            "id": code,
            "login": code,
            "i_customer": info["i_customer"],
            "i_product": info["i_product"],
            "i_account_role": info.get("i_account_role", 1),
            "batch_name": info.get("batch_name", ""),
            "opening_balance": float(opening),
            "balance": float(opening),
            "blocked": info.get("blocked", "N"),
            "billing_model": info.get("billing_model", -1),
            "iso_4217": self.customers[info["i_customer"]]["iso_4217"],
            "bill_status": "O",
        }
        return {"i_account": i_account}

    def _Account_update_account(self, params: dict) -> dict:
        info = params.get("account_info")
        if not isinstance(info, dict) or not isinstance(info.get("i_account"), int):
            raise Fault("Client.validation", "account_info.i_account is required")
        account = self.accounts.get(info["i_account"])
        if account is None:
            raise Fault("Server.Account.update_account.not_found", "No such account")
        if "blocked" in info:
            if info["blocked"] not in ("Y", "N"):
                raise Fault("Client.validation", "blocked must be Y or N")
            account["blocked"] = info["blocked"]
        return {"i_account": account["i_account"]}

    def _Account_make_transaction(self, params: dict) -> dict:
        account = self.accounts.get(params.get("i_account"))
        if account is None:
            raise Fault("Server.Account.make_transaction.not_found", "No such account")
        if params.get("action") != "Manual Payment":
            raise Fault("Client.validation", "Unsupported action")
        amount = params.get("amount")
        if isinstance(amount, bool) or not isinstance(amount, int | float) or amount <= 0:
            raise Fault("Client.validation", "amount must be a positive number")
        account["balance"] = round(account["balance"] + float(amount), 5)
        self._next_xdr += 1
        self.xdrs.setdefault(account["i_account"], []).append(
            {
                "i_xdr": self._next_xdr,
                "account_id": account["id"],
                "CLD": "Manual Payment",
                "charged_amount": -float(amount),
                "transaction_id": params.get("transaction_id", ""),
                "internal_comment": params.get("internal_comment", ""),
                "visible_comment": params.get("visible_comment", ""),
                "bill_time": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime()),
            }
        )
        return {"i_xdr": self._next_xdr, "balance": account["balance"]}

    def _Account_get_xdr_list(self, params: dict) -> dict:
        if params.get("i_account") not in self.accounts:
            raise Fault("Server.Account.get_xdr_list.not_found", "No such account")
        rows = self.xdrs.get(params["i_account"], [])
        since = params.get("from_date")
        if since:
            rows = [x for x in rows if x["bill_time"] >= since]
        limit = params.get("limit")
        if isinstance(limit, int) and limit > 0:
            rows = rows[:limit]
        # PortaBilling reports a payment as a negative charge; we report the amount credited
        return {"xdr_list": [{**x, "charged_amount": -x["charged_amount"]} for x in rows]}

    def _Customer_get_customer_info(self, params: dict) -> dict:
        customer = self.customers.get(params.get("i_customer"))
        if customer is None:
            return {}
        return {"customer_info": dict(customer)}


class Handler(BaseHTTPRequestHandler):
    server: PortaServer
    protocol_version = "HTTP/1.1"
    # headers and body go out as two writes: without TCP_NODELAY each answer waits for the
    # client's delayed ACK (~40 ms), which a real server does not add
    disable_nagle_algorithm = True

    def log_message(self, *args) -> None:  # quiet
        pass

    def _send(self, status: int, body: bytes, kind: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _json(self, status: int, data: Any) -> None:
        body = json.dumps(data).encode()
        if self.server.state.gzip and "gzip" in self.headers.get("Accept-Encoding", ""):
            body = gzip.compress(body)
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        self._send(status, body, "application/json")

    def do_GET(self) -> None:
        self._send(404, b"<html><body>Not found</body></html>", "text/html")

    def do_POST(self) -> None:
        state = self.server.state
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        if state.delay:
            time.sleep(state.delay)
        if state.trickle_next:
            state.trickle_next -= 1
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "1000000")
            self.end_headers()
            try:
                for _ in range(200):  # a byte every 0.1 s: each read is quick, the whole is not
                    self.wfile.write(b" ")
                    self.wfile.flush()
                    time.sleep(0.1)
            except OSError:
                pass
            self.close_connection = True
            return
        if state.html_next:
            state.html_next -= 1
            self._send(502, b"<html><body><h1>502 Bad Gateway</h1></body></html>", "text/html")
            return
        if not self.path.startswith("/rest/"):
            self._send(404, b"<html><body>Not found</body></html>", "text/html")
            return
        name = self.path[len("/rest/") :].split("?")[0].strip("/")
        try:
            if self.headers.get("Content-Type", "").startswith("application/json"):
                body = json.loads(raw or b"{}")
                auth, params = body.get("auth_info") or {}, body.get("params") or {}
            else:
                form = parse_qs(raw.decode())
                auth = json.loads(form.get("auth_info", ["{}"])[0])
                params = json.loads(form.get("params", ["{}"])[0])
        except (ValueError, AttributeError):
            self._json(500, {"faultcode": "Client.parse", "faultstring": "Malformed request"})
            return
        bearer = self.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        try:
            answer = state.handle(name, auth, params, bearer)
        except Fault as fault:
            self._json(500, {"faultcode": fault.code, "faultstring": fault.text})
            return
        self._json(200, answer)


class PortaServer(SimulatorServer):
    handler = Handler
    thread_name = "porta-sim"


def serve(
    *, host: str = "127.0.0.1", port: int = 0, login: str, password: str, token: str = ""
) -> PortaServer:
    """A PortaBilling simulator listening on (host, port), not yet serving."""
    return PortaServer((host, port), PortaState(login=login, password=password, token=token))
