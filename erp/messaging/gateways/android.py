"""SMS Gateway for Android (capcom6/android-sms-gateway) in local-server mode, over HTTP.

``POST /messages`` with Basic auth and our message id as theirs: 202 with its state, 409 for
an id it already has (an earlier try got through: accepted, not sent again). ``GET
/messages/{id}`` tells the state. Webhooks are registered with ``POST /webhooks`` and signed
``hex(HMAC-SHA256(key, raw_body + X-Timestamp))``.
"""

from __future__ import annotations

import hashlib
import hmac

import requests
from django.conf import settings
from django.utils.translation import gettext_noop

from erp.core.texts import Text

from .base import Accepted, Rejected, Status, Throttled, Unavailable

STATES = {
    "Pending": "pending",
    "Processed": "pending",
    "Sent": "sent",
    "Delivered": "delivered",
    "Failed": "failed",
}
EVENTS = ("sms:sent", "sms:delivered", "sms:failed", "sms:received")


def signature(key: str, body: bytes, timestamp: str) -> str:
    return hmac.new(key.encode(), body + timestamp.encode(), hashlib.sha256).hexdigest()


def signature_valid(key: str, body: bytes, timestamp: str, given: str) -> bool:
    return bool(key) and hmac.compare_digest(signature(key, body, timestamp), given or "")


class AndroidGateway:
    def __init__(
        self,
        base_url: str,
        username: str,
        password: str,
        *,
        sim_number: int | None = None,
        timeout: float | None = None,
        session: requests.Session | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.sim_number = sim_number
        self.timeout = timeout or settings.SMS_GATEWAY_TIMEOUT
        self.session = session or requests.Session()
        self.session.auth = (username, password)

    @classmethod
    def for_gateway(cls, gateway) -> AndroidGateway:
        return cls(
            gateway.base_url,
            gateway.username,
            gateway.get_password(),
            sim_number=gateway.sim_number,
        )

    def _call(self, method: str, path: str, **kwargs) -> requests.Response:
        try:
            return self.session.request(
                method, self.base_url + path, timeout=self.timeout, **kwargs
            )
        except requests.Timeout:
            raise Unavailable(
                Text(
                    gettext_noop("The phone did not answer within %(timeout)s s."),
                    timeout=f"{self.timeout:g}",
                )
            ) from None
        except requests.ConnectionError:
            raise Unavailable(
                Text(gettext_noop("The phone cannot be reached (is the app running?)."))
            ) from None

    @staticmethod
    def _refusal(response: requests.Response) -> str:
        if response.status_code in (401, 403):
            return Text(gettext_noop("The phone refused the gateway's user name or password."))
        try:
            detail = str(response.json().get("message", ""))[:200]
        except ValueError:
            detail = ""
        if not detail:
            return Text(
                gettext_noop("The phone refused the message (%(status)s)."),
                status=response.status_code,
            )
        return Text(
            gettext_noop("The phone refused the message (%(status)s) %(detail)s"),
            status=response.status_code,
            detail=detail,
        )

    def send(self, *, message_id: str, phone: str, text: str, ttl_seconds: int | None) -> Accepted:
        body = {
            "id": message_id,
            "textMessage": {"text": text},
            "phoneNumbers": [phone],
            "withDeliveryReport": True,
        }
        if self.sim_number:
            body["simNumber"] = self.sim_number
        if ttl_seconds:
            body["ttl"] = int(ttl_seconds)
        response = self._call("POST", "/messages", json=body)
        if response.status_code in (200, 201, 202):
            data = response.json()
            return Accepted(
                reference=str(data.get("id", message_id)),
                sent=STATES.get(data.get("state"), "pending") in ("sent", "delivered"),
            )
        if response.status_code == 409:
            return Accepted(reference=message_id, duplicate=True)
        if response.status_code == 429:
            try:
                wait = float(response.headers.get("Retry-After", "1"))
            except ValueError:
                wait = 1.0
            raise Throttled(
                Text(gettext_noop("The phone's rate limit is reached.")), retry_after=wait
            )
        if response.status_code >= 500:
            raise Unavailable(
                Text(
                    gettext_noop("The phone answered %(status_code)s."),
                    status_code=response.status_code,
                )
            )
        raise Rejected(self._refusal(response))

    def status(self, message_id: str) -> Status | None:
        response = self._call("GET", f"/messages/{message_id}")
        if response.status_code == 404:
            return None
        if response.status_code >= 500:
            raise Unavailable(
                Text(
                    gettext_noop("The phone answered %(status_code)s."),
                    status_code=response.status_code,
                )
            )
        if response.status_code != 200:
            raise Rejected(self._refusal(response))
        data = response.json()
        reason = ""
        for recipient in data.get("recipients") or []:
            reason = reason or str(recipient.get("error") or "")
        return Status(state=STATES.get(data.get("state"), "pending"), reason=reason[:300])

    def register_webhooks(self, url: str, *, prefix: str = "viornet") -> list[str]:
        """Register our receiver for every event (same ids: registering again replaces)."""
        ids = []
        for event in EVENTS:
            hook_id = f"{prefix}-{event.replace(':', '-')}"
            response = self._call(
                "POST", "/webhooks", json={"id": hook_id, "url": url, "event": event}
            )
            if response.status_code >= 300:
                raise Rejected(self._refusal(response))
            ids.append(hook_id)
        return ids
