"""Selcom Checkout (Tanzania) with USSD push: the adapter.

Why Selcom: one aggregator reaches every Tanzanian wallet (M-Pesa, Tigo Pesa/Mixx, Airtel
Money, HaloPesa, T-Pesa) with one contract, pushes the PIN prompt to the customer's phone
(``wallet-payment``), signs its requests with an HMAC a simulator can check for real, and has
an order-status query to re-read before issuing (its webhook carries no proof of its own we
would rely on).

Every request carries ``Authorization: SELCOM <base64(api key)>``, ``Timestamp`` (ISO 8601),
``Digest-Method: HS256``, ``Signed-Fields`` (the body's field names, in order) and
``Digest = base64(HMAC-SHA256(api secret, "timestamp=<ts>&f1=v1&f2=v2…"))``.

- ``POST /v1/checkout/create-order-minimal`` (vendor, order_id = our payment id, buyer
  phone, amount, currency TZS, webhook = base64 of our webhook URL …);
- ``POST /v1/checkout/wallet-payment`` (transid, order_id, msisdn): the USSD push;
- ``GET /v1/checkout/order-status?order_id=``: ``payment_status`` COMPLETED is paid.
- The webhook posts ``{order_id, transid, reference, payment_status, amount, …}``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import requests
from django.conf import settings
from django.utils.translation import gettext as _

from .base import CheckoutSession, ProviderError, ProviderRefused, SignatureError

PAID = "COMPLETED"
FAILED = {"CANCELLED", "USERCANCELED", "REJECTED", "FAILED"}


def digest(secret: str, timestamp: str, fields: list[tuple[str, Any]]) -> str:
    message = "&".join([f"timestamp={timestamp}", *(f"{k}={v}" for k, v in fields)])
    mac = hmac.new(secret.encode(), message.encode(), hashlib.sha256).digest()
    return base64.b64encode(mac).decode()


def signed_headers(api_key: str, secret: str, data: dict[str, Any]) -> dict[str, str]:
    timestamp = datetime.now(UTC).isoformat(timespec="seconds")
    fields = list(data.items())
    return {
        "Authorization": "SELCOM " + base64.b64encode(api_key.encode()).decode(),
        "Timestamp": timestamp,
        "Digest-Method": "HS256",
        "Digest": digest(secret, timestamp, fields),
        "Signed-Fields": ",".join(k for k, _v in fields),
    }


def verify_signed(headers: Any, data: dict[str, Any], *, api_key: str, secret: str) -> None:
    """Raise SignatureError unless the headers sign exactly the named fields of `data`."""
    expected_auth = "SELCOM " + base64.b64encode(api_key.encode()).decode()
    if headers.get("Authorization", "") != expected_auth:
        raise SignatureError("wrong Selcom API key")
    names = [n for n in (headers.get("Signed-Fields") or "").split(",") if n]
    if any(n not in data for n in names):
        raise SignatureError("signed field missing from the body")
    wanted = digest(secret, headers.get("Timestamp", ""), [(n, data[n]) for n in names])
    if not hmac.compare_digest(wanted, headers.get("Digest", "")):
        raise SignatureError("Selcom digest does not match")


class SelcomCheckout:
    """Selcom Checkout for one of our accounts: the API key is the account's API key, the
    API secret its webhook secret field, the vendor id its name's part after "vendor:"."""

    needs_phone = True
    # Selcom Checkout's API has no refund call: Selcom reverses a payment on the merchant's
    # request through its support, outside this API.
    supports_refunds = False

    def __init__(self, account):
        self.account = account
        self.base = account.api_base_url.rstrip("/")
        self.timeout = settings.PAYMENT_PROVIDER_TIMEOUT
        self.vendor = account.name.partition("vendor:")[2].strip() or "VENDOR"

    def _call(self, method: str, path: str, data: dict[str, Any]) -> dict[str, Any]:
        headers = signed_headers(
            self.account.get_api_key(), self.account.get_webhook_secret(), data
        )
        try:
            if method == "GET":
                response = requests.get(
                    self.base + path, params=data, headers=headers, timeout=self.timeout
                )
            else:
                response = requests.post(
                    self.base + path, json=data, headers=headers, timeout=self.timeout
                )
        except requests.Timeout:
            raise ProviderError(_("Selcom did not answer in time.")) from None
        except requests.RequestException as exc:
            raise ProviderError(
                _("Selcom could not be reached (%(name)s).") % {"name": type(exc).__name__}
            ) from None
        if response.status_code >= 500:
            raise ProviderError(
                _("Selcom answered %(status_code)s.") % {"status_code": response.status_code}
            )
        try:
            body = response.json()
        except ValueError:
            raise ProviderError(_("Selcom's answer was not JSON.")) from None
        if response.status_code >= 400 or body.get("resultcode") not in {"000", "111"}:
            raise ProviderError(
                _("Selcom refused the request (%(status_code)s %(resultcode)s).")
                % {
                    "status_code": response.status_code,
                    "resultcode": str(body.get("resultcode", ""))[:8],
                }
            )
        return body

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
        if not phone:
            raise ProviderError(_("A phone number is needed for the mobile-money prompt."))
        self._call(
            "POST",
            "/v1/checkout/create-order-minimal",
            {
                "vendor": self.vendor,
                "order_id": client_reference,
                "buyer_email": "customer@portal.invalid",
                "buyer_name": "WiFi customer",
                "buyer_phone": phone,
                "amount": int(amount),
                "currency": currency,
                "webhook": base64.b64encode(webhook_url.encode()).decode(),
                "no_of_items": 1,
            },
        )
        self._call(
            "POST",
            "/v1/checkout/wallet-payment",
            {"transid": client_reference, "order_id": client_reference, "msisdn": phone},
        )
        return self.get_session(client_reference)

    def get_session(self, session_id: str) -> CheckoutSession:
        body = self._call("GET", "/v1/checkout/order-status", {"order_id": session_id})
        rows = body.get("data") or []
        if not rows:
            raise ProviderError(_("Selcom does not know this order."))
        row = rows[0]
        status = str(row.get("payment_status") or "")
        return CheckoutSession(
            id=str(row.get("order_id")),
            client_reference=str(row.get("order_id")),
            amount=Decimal(str(row.get("amount", "0"))),
            currency=str(row.get("currency") or self.account.currency),
            payment_status="succeeded"
            if status == PAID
            else ("cancelled" if status in FAILED else "processing"),
            checkout_status="complete" if status == PAID else "open",
            transaction_id=str(row.get("reference") or row.get("transid") or ""),
        )

    def find_by_reference(self, client_reference: str) -> CheckoutSession | None:
        try:
            return self.get_session(client_reference)
        except ProviderError as exc:
            if "does not know" in str(exc):
                return None
            raise

    def refund(self, session_id: str, *, idempotency_key: str) -> None:
        raise ProviderRefused(_("Selcom's API cannot refund; ask Selcom to reverse the payment."))

    def verify_webhook(self, *, headers: Any, body: bytes, now: float) -> dict[str, Any]:
        try:
            data = json.loads(body)
        except ValueError:
            raise SignatureError("webhook body is not JSON") from None
        if not isinstance(data, dict) or not data.get("order_id"):
            raise SignatureError("webhook body lacks order_id")
        verify_signed(
            headers,
            data,
            api_key=self.account.get_api_key(),
            secret=self.account.get_webhook_secret(),
        )
        status = str(data.get("payment_status") or "")
        return {
            "id": f"{data.get('transid', '')}:{data.get('reference', '')}:{status}"[:64],
            "type": "checkout.session.completed"
            if status == PAID
            else "checkout.session.payment_failed",
            "data": {"id": str(data["order_id"]), "client_reference": str(data["order_id"])},
        }
