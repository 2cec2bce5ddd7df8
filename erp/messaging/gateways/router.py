"""A MikroTik router's LTE modem: ``/tool/sms/send`` (``port``, ``phone-number``,
``message``) through the router client.

RouterOS sends one SMS of plain GSM-7 text: no concatenation, no UCS-2. Anything else is
refused with the reason before it reaches the router. The router keeps no message id, so it
cannot say whether a message that was in flight when a worker died went out: such a message
is failed, not sent again (``can_tell_status``).
"""

from __future__ import annotations

from erp.mikrotik.client import RouterClient
from erp.mikrotik.exceptions import RouterAuthFailed, RouterError, RouterTrap, RouterUnreachable

from .. import encoding, pdu
from .base import Accepted, Rejected, Status, Unavailable

LIMIT = 160
INBOX = "/tool/sms/inbox"


def refusal(text: str) -> str | None:
    """Why the router cannot send ``text`` (None: it can)."""
    cost = encoding.count(text)
    if cost.encoding != encoding.GSM7:
        return (
            "The router's LTE modem sends plain GSM-7 text only; this message needs UCS-2 "
            "(a character outside the GSM alphabet)."
        )
    if cost.units > LIMIT:
        return (
            f"The router's LTE modem sends one SMS of at most {LIMIT} characters; this message "
            f"is {cost.units} ({cost.parts} parts)."
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
            raise Rejected("This router gateway has no router.")
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
            raise Unavailable(str(exc)) from None
        except RouterAuthFailed:
            raise Rejected("The router refused the API login.") from None
        except RouterTrap as exc:
            raise Rejected(f"The router refused the SMS: {exc.router_message}"[:300]) from None
        except RouterError as exc:
            raise Unavailable(str(exc)) from None
        return Accepted(reference="", sent=True)

    def read_inbox(self) -> list[pdu.Delivered]:
        """The SMS the LTE modem received (``/tool/sms/inbox print``, RouterOS keeps them when
        ``/tool/sms receive-enabled=yes``), each removed from the router once read."""
        try:
            with RouterClient(self.router) as client:
                found = [
                    (row["id"], pdu.Delivered(phone=row.get("phone", ""), text=row["message"]))
                    for row in client.print(INBOX)
                    if "id" in row and "message" in row
                ]
                for ref, _message in found:
                    client.remove(INBOX, ref)
        except RouterUnreachable as exc:
            raise Unavailable(str(exc)) from None
        except RouterAuthFailed:
            raise Rejected("The router refused the API login.") from None
        except RouterTrap as exc:
            raise Rejected(
                f"The router refused to list its SMS: {exc.router_message}"[:300]
            ) from None
        except RouterError as exc:
            raise Unavailable(str(exc)) from None
        return [message for _ref, message in found]

    def status(self, message_id: str) -> Status | None:
        return None

    def register_webhooks(self, url: str, *, prefix: str = "viornet") -> list[str]:
        return []
