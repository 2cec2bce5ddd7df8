"""Wave Checkout (https://docs.wave.com/checkout): the adapter.

- ``POST /v1/checkout/sessions`` with ``Authorization: Bearer <key>``: ``amount`` as a string
  (no float ever), ``currency``, ``client_reference`` (our payment id), ``success_url``,
  ``error_url``; the answer's ``wave_launch_url`` is where the customer pays.
- ``GET /v1/checkout/sessions/:id``: the session as Wave sees it; ``payment_status ==
  "succeeded"`` is the only thing that issues a voucher, whatever a webhook said.
- ``GET /v1/checkout/sessions/search?client_reference=``: finds a session whose create
  answer was lost (timeout after Wave made it).
- ``POST /v1/checkout/sessions/:id/refund``: gives a succeeded payment back in full (200,
  empty body). We send an ``Idempotency-Key`` (our refund's id) so a retry after a lost
  answer is not a second refund.
- Webhooks carry ``Wave-Signature: t=<unix>,v1=<hex>[,v1=<hex>…]`` where each v1 is
  HMAC-SHA256(secret, t + raw body), no separator. Any v1 may match (Wave signs with each
  active secret while one is rotated); t must be within 5 minutes of now.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
from decimal import Decimal
from typing import Any

import requests
from django.conf import settings
from django.utils.translation import gettext as _

from ..choices import CURRENCY_DECIMALS
from .base import CheckoutSession, ProviderError, ProviderRefused, SignatureError

TOLERANCE = 300  # seconds either side of now


def format_amount(amount: Decimal, currency: str) -> str:
    """The amount as Wave wants it: a string with the currency's decimals ("1000", "10.50")."""
    places = CURRENCY_DECIMALS.get(currency, 2)
    quantum = Decimal(1).scaleb(-places)
    exact = amount.quantize(quantum)
    if exact != amount:
        raise ProviderError(
            _("%(amount)s has more decimals than %(currency)s allows")
            % {"amount": amount, "currency": currency}
        )
    return f"{exact:f}"


def signature(secret: str, timestamp: str, body: bytes) -> str:
    return hmac.new(secret.encode(), timestamp.encode() + body, hashlib.sha256).hexdigest()


def parse_signature_header(header: str) -> tuple[str, list[str]]:
    timestamp, signatures = "", []
    for part in (header or "").split(","):
        key, _, value = part.strip().partition("=")
        if key == "t":
            timestamp = value
        elif key == "v1" and value:
            signatures.append(value)
    return timestamp, signatures


def verify(*, secret: str, header: str, body: bytes, now: float) -> None:
    """Raise SignatureError unless one v1 of the header is HMAC-SHA256(secret, t + body) and
    t is within TOLERANCE of now."""
    timestamp, signatures = parse_signature_header(header)
    if not timestamp or not signatures:
        raise SignatureError("missing Wave-Signature timestamp or v1")
    try:
        when = int(timestamp)
    except ValueError:
        raise SignatureError("bad Wave-Signature timestamp") from None
    if abs(now - when) > TOLERANCE:
        raise SignatureError("Wave-Signature timestamp outside the 5-minute window")
    expected = signature(secret, timestamp, body)
    if not any(hmac.compare_digest(expected, s) for s in signatures):
        raise SignatureError("no Wave-Signature v1 matches")


class WaveCheckout:
    """Wave Checkout for one of our accounts."""

    needs_phone = False
    supports_refunds = True

    def __init__(self, account):
        self.account = account
        self.base = account.api_base_url.rstrip("/")
        self.timeout = settings.PAYMENT_PROVIDER_TIMEOUT

    def _request(
        self, method: str, path: str, *, extra_headers: dict[str, str] | None = None, **kwargs
    ) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {self.account.get_api_key()}", **(extra_headers or {})}
        try:
            response = requests.request(
                method, self.base + path, headers=headers, timeout=self.timeout, **kwargs
            )
        except requests.Timeout:
            raise ProviderError(_("Wave did not answer in time.")) from None
        except requests.RequestException as exc:
            raise ProviderError(
                _("Wave could not be reached (%(name)s).") % {"name": type(exc).__name__}
            ) from None
        if response.status_code >= 500:
            raise ProviderError(
                _("Wave answered %(status_code)s.") % {"status_code": response.status_code}
            )
        if response.status_code == 404:
            raise ProviderError(_("Wave does not know this checkout session."))
        if response.status_code >= 400:
            code = ""
            with contextlib.suppress(ValueError, AttributeError):
                code = str(response.json().get("code", ""))[:60]
            raise ProviderRefused(
                _("Wave refused the request (%(status_code)s %(code)s).")
                % {"status_code": response.status_code, "code": code}
            )
        if not response.content:
            return {}
        try:
            return response.json()
        except ValueError:
            raise ProviderError(_("Wave's answer was not JSON.")) from None

    @staticmethod
    def _session(data: dict[str, Any]) -> CheckoutSession:
        try:
            return CheckoutSession(
                id=str(data["id"]),
                client_reference=str(data.get("client_reference") or ""),
                amount=Decimal(str(data["amount"])),
                currency=str(data["currency"]),
                payment_status=str(data.get("payment_status") or ""),
                checkout_status=str(data.get("checkout_status") or ""),
                launch_url=str(data.get("wave_launch_url") or ""),
                transaction_id=str(data.get("transaction_id") or ""),
            )
        except (KeyError, ArithmeticError, TypeError) as exc:
            raise ProviderError(_("Wave's session lacks %(exc)s.") % {"exc": exc}) from None

    def create_checkout(
        self,
        *,
        amount: Decimal,
        currency: str,
        client_reference: str,
        success_url: str,
        error_url: str,
        phone: str = "",
        webhook_url: str = "",
    ) -> CheckoutSession:
        # phone and webhook_url are not Wave's: its payment page asks the phone, and the
        # webhook URL is set once in Wave's business portal
        body = {
            "amount": format_amount(amount, currency),
            "currency": currency,
            "client_reference": client_reference,
            "success_url": success_url,
            "error_url": error_url,
        }
        return self._session(self._request("POST", "/v1/checkout/sessions", json=body))

    def get_session(self, session_id: str) -> CheckoutSession:
        return self._session(self._request("GET", f"/v1/checkout/sessions/{session_id}"))

    def find_by_reference(self, client_reference: str) -> CheckoutSession | None:
        data = self._request(
            "GET",
            "/v1/checkout/sessions/search",
            params={"client_reference": client_reference},
        )
        rows = data.get("result", []) if isinstance(data, dict) else []
        return self._session(rows[0]) if rows else None

    def refund(self, session_id: str, *, idempotency_key: str) -> None:
        self._request(
            "POST",
            f"/v1/checkout/sessions/{session_id}/refund",
            extra_headers={"Idempotency-Key": idempotency_key},
        )

    def verify_webhook(self, *, headers: Any, body: bytes, now: float) -> dict[str, Any]:
        verify(
            secret=self.account.get_webhook_secret(),
            header=headers.get("Wave-Signature", ""),
            body=body,
            now=now,
        )
        try:
            event = json.loads(body)
        except ValueError:
            raise SignatureError("webhook body is not JSON") from None
        if not isinstance(event, dict) or not event.get("id") or not event.get("type"):
            raise SignatureError("webhook body lacks id or type")
        return event
