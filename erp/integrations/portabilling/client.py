"""The PortaBilling (PortaOne) JSON API adapter.

Every call is ``POST https://<host>:<port>/rest/<Service>/<method>`` with two form fields,
``auth_info`` and ``params``, each holding JSON. A success is HTTP 200 and a JSON object; a
fault (business or transient alike) is HTTP 500 with ``{"faultcode", "faultstring"}``.

- ``Session/login`` (``login`` + ``password``, or ``login`` + API ``token``) answers a
  ``session_id`` and, on newer releases, an ``access_token`` / ``refresh_token`` with
  ``expires_at``. With an access token we send ``Authorization: Bearer`` and refresh it
  (``Session/refresh_access_token``) shortly before it expires; without, the ``session_id``
  travels in ``auth_info``. A call refused because the session expired logs in again and is
  sent once more (it was refused before anything was applied).
- Every call is time-bounded (connect and read timeouts). Failures are PortaError subclasses
  with a message a person can act on; no password, token or session id is ever in one.
- Money comes back as JSON numbers: read as Decimal from their text, never as float sums.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import requests
import urllib3
from django.utils.translation import gettext_noop

from erp.core.texts import Text

log = logging.getLogger(__name__)

# Faultcodes PortaBilling answers for a session that is no longer valid.
SESSION_FAULTS = ("Server.Session.check_auth.auth_failed", "Server.Session.auth_failed")
LOGIN_FAULTS = ("Server.Session.login.auth_failed", "Client.Session.login.auth_failed")
NOT_FOUND_FAULTS = ("Server.Account.get_account_info.not_found",)
REFRESH_MARGIN = 60  # seconds before expires_at when the access token is refreshed
MAX_ANSWER_BYTES = 20_000_000  # larger is not an answer we asked for
XDR_LIMIT = 500  # records read back when looking for one of our payments


class PortaError(Exception):
    """A PortaBilling call failed; the message (a ``Text``, read in the reader's language) is
    safe to show and to log."""


class PortaUnreachable(PortaError):
    """Nothing answered (down, refused, DNS) or it answered too late: the call may or may not
    have been applied when it was a write."""


class PortaTimeout(PortaUnreachable):
    """No answer within the timeout."""


class PortaProtocolError(PortaError):
    """The server answered something that is not the PortaBilling API (HTML, not JSON, a field
    of the wrong type)."""


class PortaAuthFailed(PortaError):
    """The login was refused: wrong login, password or token."""


class PortaFault(PortaError):
    """A fault answer (HTTP 500 + faultcode). Business and transient errors look alike."""

    def __init__(self, method: str, faultcode: str, faultstring: str):
        self.method = method
        self.faultcode = faultcode
        self.faultstring = faultstring
        super().__init__(
            Text(
                gettext_noop("PortaBilling %(method)s failed: %(faultcode)s: %(faultstring)s"),
                method=method,
                faultcode=faultcode,
                faultstring=faultstring[:200],
            )
        )


@dataclass(frozen=True)
class AccountInfo:
    """The fields of ``account_info`` we use, type-checked."""

    i_account: int
    id: str
    blocked: bool
    balance: Decimal
    i_customer: int | None
    i_product: int | None
    batch_name: str

    @classmethod
    def parse(cls, data: Any) -> AccountInfo:
        if not isinstance(data, dict):
            raise PortaProtocolError(
                Text(gettext_noop("%(field)s is not an object"), field="account_info")
            )
        blocked = _field(data, "blocked", str)
        if blocked not in ("Y", "N"):
            raise PortaProtocolError(
                Text(gettext_noop("%(field)s is neither 'Y' nor 'N'"), field="account_info.blocked")
            )
        return cls(
            i_account=_field(data, "i_account", int),
            id=_field(data, "id", str),
            blocked=blocked == "Y",
            balance=_money(data, "balance"),
            i_customer=_field(data, "i_customer", int, required=False),
            i_product=_field(data, "i_product", int, required=False),
            batch_name=_field(data, "batch_name", str, required=False) or "",
        )


@dataclass(frozen=True)
class Transaction:
    """One payment found on an account (``Account/get_xdr_list``)."""

    i_xdr: int
    amount: Decimal
    reference: str


def _field(data: dict, name: str, kind: type, *, required: bool = True) -> Any:
    value = data.get(name)
    if value is None:
        if required:
            raise PortaProtocolError(
                Text(gettext_noop("%(field)s is missing from the answer"), field=name)
            )
        return None
    # bool is an int in Python: refuse it where a number is expected
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise PortaProtocolError(
            Text(
                gettext_noop("%(field)s should be %(expected)s, the server sent %(sent)s"),
                field=name,
                expected=kind.__name__,
                sent=type(value).__name__,
            )
        )
    return value


def _money(data: dict, name: str) -> Decimal:
    value = data.get(name)
    if value is None:
        raise PortaProtocolError(
            Text(gettext_noop("%(field)s should be a number, the server sent nothing"), field=name)
        )
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise PortaProtocolError(
            Text(
                gettext_noop("%(field)s should be a number, the server sent %(sent)s"),
                field=name,
                sent=type(value).__name__,
            )
        )
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise PortaProtocolError(
            Text(gettext_noop("%(field)s is not a number"), field=name)
        ) from None


class PortaBillingClient:
    """One PortaBilling server, one login. Not thread-safe: one per worker thread."""

    def __init__(
        self,
        base_url: str,
        *,
        login: str,
        password: str = "",
        token: str = "",
        timeout: float = 5.0,
        verify_tls: bool = True,
    ):
        self.base_url = base_url.rstrip("/")
        self._login_name = login
        self._password = password
        self._token = token
        self.timeout = timeout
        self.verify_tls = verify_tls
        self._http = requests.Session()
        self._session_id = ""
        self._access_token = ""
        self._refresh_token = ""
        self._expires_at = 0.0
        self.calls = 0  # requests sent (a test reads it)

    def __repr__(self) -> str:  # no secret in a traceback's locals
        return f"<PortaBillingClient {self.base_url} login={self._login_name!r}>"

    def close(self) -> None:
        self._http.close()

    # --- transport ---------------------------------------------------------------------------
    def _post(self, service: str, method: str, params: dict, *, auth: dict | None) -> dict:
        """``auth`` goes in auth_info; None sends the access token as a Bearer header."""
        name = f"{service}/{method}"
        url = f"{self.base_url}/rest/{service}/{method}"
        headers = {"Accept": "application/json"}
        if auth is None:
            headers["Authorization"] = f"Bearer {self._access_token}"
        data = {"auth_info": json.dumps(auth or {}), "params": json.dumps(params)}
        started = time.monotonic()
        self.calls += 1
        try:
            response = self._http.post(
                url,
                data=data,
                headers=headers,
                timeout=self.timeout,
                verify=self.verify_tls,
                stream=True,
            )
            raw = self._read(response, name, started)
        except requests.Timeout:
            raise PortaTimeout(
                Text(
                    gettext_noop("PortaBilling %(method)s: no answer within %(timeout)s s"),
                    method=name,
                    timeout=f"{self.timeout:g}",
                )
            ) from None
        except requests.RequestException as exc:
            raise PortaUnreachable(
                Text(
                    gettext_noop("PortaBilling %(method)s: cannot reach %(url)s (%(error)s)"),
                    method=name,
                    url=self.base_url,
                    error=type(exc).__name__,
                )
            ) from None
        elapsed = time.monotonic() - started
        log.debug("portabilling %s: HTTP %s in %.3f s", name, response.status_code, elapsed)
        try:
            body = json.loads(raw)
        except ValueError:
            kind = response.headers.get("Content-Type", "?").split(";")[0]
            raise PortaProtocolError(
                Text(
                    gettext_noop(
                        "PortaBilling %(method)s: HTTP %(status)s with %(content_type)s instead "
                        "of JSON (is the URL the API's, with /rest?)"
                    ),
                    method=name,
                    status=response.status_code,
                    content_type=kind,
                )
            ) from None
        if not isinstance(body, dict):
            raise PortaProtocolError(
                Text(
                    gettext_noop("PortaBilling %(method)s: the answer is not a JSON object"),
                    method=name,
                )
            )
        if response.status_code == 200:
            return body
        if "faultcode" in body:
            raise PortaFault(name, str(body.get("faultcode")), str(body.get("faultstring", "")))
        raise PortaProtocolError(
            Text(
                gettext_noop("PortaBilling %(method)s: HTTP %(status)s"),
                method=name,
                status=response.status_code,
            )
        )

    def _read(self, response: requests.Response, name: str, started: float) -> bytes:
        """The body, within the whole call's deadline and size: the read timeout alone is per
        socket read, so a server trickling bytes (or an answer that never ends) would never
        time out."""
        chunks, size = [], 0
        with response:
            while True:
                # read1: what one socket read brings (a fuller read would wait for the whole
                # chunk and never look at the clock)
                try:
                    chunk = response.raw.read1(65536, decode_content=True)
                except urllib3.exceptions.ReadTimeoutError:
                    raise requests.Timeout() from None
                except urllib3.exceptions.HTTPError as exc:
                    raise requests.ConnectionError(type(exc).__name__) from None
                if not chunk:
                    break
                size += len(chunk)
                if size > MAX_ANSWER_BYTES:
                    raise PortaProtocolError(
                        Text(
                            gettext_noop(
                                "PortaBilling %(method)s: the answer is larger than %(limit)s MB"
                            ),
                            method=name,
                            limit=MAX_ANSWER_BYTES // 1_000_000,
                        )
                    )
                if time.monotonic() - started > self.timeout * 2:
                    raise PortaTimeout(
                        Text(
                            gettext_noop(
                                "PortaBilling %(method)s: the answer did not end within "
                                "%(timeout)s s"
                            ),
                            method=name,
                            timeout=f"{self.timeout * 2:g}",
                        )
                    )
                chunks.append(chunk)
        return b"".join(chunks)

    # --- session -------------------------------------------------------------------------------
    def login(self) -> None:
        params = {"login": self._login_name}
        if self._token:
            params["token"] = self._token
        else:
            params["password"] = self._password
        try:
            answer = self._post("Session", "login", params, auth={})
        except PortaFault as fault:
            if fault.faultcode in LOGIN_FAULTS or "auth" in fault.faultcode.lower():
                raise PortaAuthFailed(
                    Text(
                        gettext_noop(
                            "PortaBilling refused the login: check the login and password "
                            "(or token)"
                        )
                    )
                ) from None
            raise
        self._session_id = _field(answer, "session_id", str, required=False) or ""
        self._access_token = _field(answer, "access_token", str, required=False) or ""
        self._refresh_token = _field(answer, "refresh_token", str, required=False) or ""
        self._expires_at = self._expiry(answer)
        if not self._session_id and not self._access_token:
            raise PortaProtocolError(
                Text(
                    gettext_noop("PortaBilling %(method)s: no session_id in the answer"),
                    method="Session/login",
                )
            )

    @staticmethod
    def _expiry(answer: dict) -> float:
        expires_in = answer.get("expires_in")
        if isinstance(expires_in, int | float) and not isinstance(expires_in, bool):
            return time.time() + float(expires_in)
        return 0.0

    def _refresh(self) -> None:
        try:
            answer = self._post(
                "Session",
                "refresh_access_token",
                {"refresh_token": self._refresh_token},
                auth={},
            )
        except PortaFault:
            self.login()
            return
        self._access_token = _field(answer, "access_token", str)
        self._refresh_token = (
            _field(answer, "refresh_token", str, required=False) or self._refresh_token
        )
        self._expires_at = self._expiry(answer)

    def _auth(self) -> dict | None:
        if not self._session_id and not self._access_token:
            self.login()
        elif (
            self._access_token
            and self._refresh_token
            and self._expires_at
            and time.time() > self._expires_at - REFRESH_MARGIN
        ):
            self._refresh()
        if self._access_token:
            return None
        return {"session_id": self._session_id}

    def call(self, service: str, method: str, params: dict) -> dict:
        """One API call; an expired session is renewed once, then the call is sent again."""
        try:
            return self._post(service, method, params, auth=self._auth())
        except PortaFault as fault:
            if fault.faultcode not in SESSION_FAULTS:
                raise
        self._session_id = self._access_token = ""
        return self._post(service, method, params, auth=self._auth())

    # --- methods -------------------------------------------------------------------------------
    def add_account(
        self,
        *,
        id: str,
        i_customer: int,
        i_product: int,
        i_account_role: int | None,
        batch_name: str,
        opening_balance: Decimal,
        password: str = "",
        iso_4217: str = "",
    ) -> int:
        info: dict[str, Any] = {
            "id": id,
            "i_customer": i_customer,
            "i_product": i_product,
            "batch_name": batch_name,
            "opening_balance": float(opening_balance),
            "billing_model": -1,  # debit (prepaid): a voucher spends its balance
            "blocked": "N",
        }
        if i_account_role is not None:
            info["i_account_role"] = i_account_role
        if password:
            info["h323_password"] = password
        if iso_4217:
            info["iso_4217"] = iso_4217
        answer = self.call("Account", "add_account", {"account_info": info})
        return _field(answer, "i_account", int)

    def get_account_info(
        self, *, i_account: int | None = None, id: str | None = None, login: str | None = None
    ) -> AccountInfo | None:
        """The account, by exactly one of i_account, id, login; None when there is none."""
        given = {k: v for k, v in (("i_account", i_account), ("id", id), ("login", login)) if v}
        if len(given) != 1:
            raise ValueError("give exactly one of i_account, id, login")
        try:
            answer = self.call("Account", "get_account_info", given)
        except PortaFault as fault:
            if fault.faultcode in NOT_FOUND_FAULTS:
                return None
            raise
        info = answer.get("account_info")
        if info is None or info == {}:
            return None
        return AccountInfo.parse(info)

    def set_blocked(self, i_account: int, blocked: bool) -> None:
        self.call(
            "Account",
            "update_account",
            {"account_info": {"i_account": i_account, "blocked": "Y" if blocked else "N"}},
        )

    def get_customer_info(self, i_customer: int) -> dict:
        answer = self.call("Customer", "get_customer_info", {"i_customer": i_customer})
        info = answer.get("customer_info")
        if not isinstance(info, dict):
            raise PortaProtocolError(
                Text(gettext_noop("%(field)s is missing or not an object"), field="customer_info")
            )
        _field(info, "i_customer", int)
        _field(info, "name", str)
        return info

    def make_transaction(self, *, i_account: int, amount: Decimal, reference: str) -> Decimal:
        """Credit the account (a Manual Payment) carrying our reference; returns the balance.

        NEVER call this again after a failure without find_transaction first: a fault or a
        timeout may come after PortaBilling applied the payment."""
        answer = self.call(
            "Account",
            "make_transaction",
            {
                "i_account": i_account,
                "action": "Manual Payment",
                "amount": float(amount),
                "visible_comment": reference,
                "internal_comment": reference,
                "transaction_id": reference,
            },
        )
        return _money(answer, "balance")

    def find_transaction(
        self, *, i_account: int, reference: str, since: datetime | None = None
    ) -> Transaction | None:
        """The payment on the account that carries our reference, if it landed.

        Reads the account's xDRs from ``since`` (UTC; our first attempt, less a margin). A
        list cut at the limit without our reference proves nothing: that is an error, never
        "not landed" (which would let the caller credit again)."""
        params: dict[str, Any] = {"i_account": i_account, "limit": XDR_LIMIT}
        if since is not None:
            params["from_date"] = since.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
        answer = self.call("Account", "get_xdr_list", params)
        rows = answer.get("xdr_list")
        if not isinstance(rows, list):
            raise PortaProtocolError(
                Text(gettext_noop("%(field)s is missing or not a list"), field="xdr_list")
            )
        for row in rows:
            if not isinstance(row, dict):
                raise PortaProtocolError(
                    Text(gettext_noop("an entry of %(field)s is not an object"), field="xdr_list")
                )
            if reference in (row.get("transaction_id"), row.get("internal_comment")):
                return Transaction(
                    i_xdr=_field(row, "i_xdr", int),
                    amount=_money(row, "charged_amount"),
                    reference=reference,
                )
        if len(rows) >= XDR_LIMIT:
            raise PortaError(
                Text(
                    gettext_noop(
                        "PortaBilling %(method)s: more than %(limit)s records since the first "
                        "attempt; cannot tell whether the payment landed (not sent again)"
                    ),
                    method="Account/get_xdr_list",
                    limit=XDR_LIMIT,
                )
            )
        return None
