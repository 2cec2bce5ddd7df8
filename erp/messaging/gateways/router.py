"""A MikroTik router's LTE modem: ``/tool/sms/send`` (``port``, ``phone-number``,
``message``) through the router client.

RouterOS sends one SMS of plain GSM-7 text: no concatenation, no UCS-2. Anything else is
refused with the reason before it reaches the router. The router keeps no message id, so it
cannot say whether a message that was in flight when a worker died went out: such a message
is failed, not sent again (``can_tell_status``).
"""

from __future__ import annotations

import hashlib
from contextlib import contextmanager
from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext_noop

from erp.core.texts import Text, text_of
from erp.mikrotik.client import RouterClient
from erp.mikrotik.exceptions import RouterAuthFailed, RouterError, RouterTrap, RouterUnreachable

from .. import encoding, pdu
from .base import Accepted, InboxItem, Rejected, Status, Unavailable

LIMIT = 160
INBOX = "/tool/sms/inbox"
# RouterOS writes the inbox's time stamp in the router's clock: "2026-11-26 09:41:05" (v7.10
# and later) or "nov/26/2026 09:41:05" (before).
_STAMPS = ("%Y-%m-%d %H:%M:%S", "%b/%d/%Y %H:%M:%S")


def parse_timestamp(value: str) -> datetime | None:
    """An inbox time stamp, read in the ERP's time zone (the routers' clocks are set to the
    business's local time); None when it is missing or unreadable."""
    text = (value or "").strip()
    for fmt in _STAMPS:
        try:
            naive = datetime.strptime(text.capitalize() if "/" in text else text, fmt)
        except ValueError:
            continue
        return timezone.make_aware(naive, timezone.get_current_timezone())
    return None


def refusal(text: str) -> str | None:
    """Why the router cannot send ``text`` (None: it can)."""
    cost = encoding.count(text)
    if cost.encoding != encoding.GSM7:
        return Text(
            gettext_noop(
                "The router's LTE modem sends plain GSM-7 text only; this message needs UCS-2 "
                "(a character outside the GSM alphabet)."
            )
        )
    if cost.units > LIMIT:
        return Text(
            gettext_noop(
                "The router's LTE modem sends one SMS of at most %(limit)s characters; this "
                "message is %(units)s (%(parts)s parts)."
            ),
            limit=LIMIT,
            units=cost.units,
            parts=cost.parts,
        )
    return None


class RouterGateway:
    can_tell_status = False

    def __init__(self, router, *, port: str = "lte1") -> None:
        self.router = router
        self.port = port or "lte1"

    @classmethod
    def for_gateway(cls, gateway) -> RouterGateway:
        if gateway.router_id is None:
            raise Rejected(Text(gettext_noop("This router gateway has no router.")))
        return cls(gateway.router, port=gateway.port)

    def send(self, *, message_id: str, phone: str, text: str, ttl_seconds: int | None) -> Accepted:
        why = refusal(text)
        if why:
            raise Rejected(why)
        try:
            with RouterClient(self.router) as client:
                client.call(
                    "/tool/sms", "send", {"port": self.port, "phone-number": phone, "message": text}
                )
        except RouterUnreachable as exc:
            raise Unavailable(text_of(exc)) from None
        except RouterAuthFailed:
            raise Rejected(Text(gettext_noop("The router refused the API login."))) from None
        except RouterTrap as exc:
            raise Rejected(
                Text(gettext_noop("The router refused the SMS: %(why)s"), why=exc.router_message)
            ) from None
        except RouterError as exc:
            raise Unavailable(text_of(exc)) from None
        return Accepted(reference="", sent=True)

    def read_inbox(self, indexes: list[int] | None = None) -> list[InboxItem]:
        """The SMS the LTE modem received (``/tool/sms/inbox print``, RouterOS keeps them when
        ``/tool/sms receive-enabled=yes``), with their time stamps. Nothing is removed here:
        ``delete`` comes once they are logged."""
        found: list[InboxItem] = []
        with self._client_errors("list its SMS"), RouterClient(self.router) as client:
            rows = client.print(INBOX)
        for row in rows:
            if "id" not in row or "message" not in row:
                continue
            phone, text, stamp = row.get("phone", ""), row["message"], row.get("timestamp", "")
            key = hashlib.sha256(f"{stamp}|{phone}|{text}".encode()).hexdigest()[:40]
            found.append(
                InboxItem(
                    ref=row["id"],
                    key=key,
                    message=pdu.Delivered(phone=phone, text=text),
                    received_at=parse_timestamp(stamp),
                )
            )
        return found

    def delete(self, refs: list[str]) -> None:
        """Remove logged SMS from the router's inbox."""
        if not refs:
            return
        with self._client_errors("remove its SMS"), RouterClient(self.router) as client:
            for ref in refs:
                client.remove(INBOX, ref)

    @contextmanager
    def _client_errors(self, doing: str):
        try:
            yield
        except RouterUnreachable as exc:
            raise Unavailable(text_of(exc)) from None
        except RouterAuthFailed:
            raise Rejected(Text(gettext_noop("The router refused the API login."))) from None
        except RouterTrap as exc:
            raise Rejected(f"The router refused to {doing}: {exc.router_message}"[:300]) from None
        except RouterError as exc:
            raise Unavailable(text_of(exc)) from None

    def status(self, message_id: str) -> Status | None:
        return None

    def register_webhooks(self, url: str, *, prefix: str = "viornet") -> list[str]:
        return []
