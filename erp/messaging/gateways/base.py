"""The interface every SMS gateway adapter implements, and the errors it raises.

Errors carry a reason a person can read; none ever contains a password or a key.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol


class GatewayError(Exception):
    """The gateway did not take the message. ``reason`` is safe to show and log."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Unavailable(GatewayError):
    """Down, timed out, or a server error: try again later (same id: never sent twice)."""


class Rejected(GatewayError):
    """Refused for good (bad number, bad login, text too long for this gateway): fail it."""


class Throttled(GatewayError):
    """The gateway's own rate limit: wait ``retry_after`` seconds; not an attempt."""

    def __init__(self, reason: str, retry_after: float) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


@dataclass(frozen=True)
class Accepted:
    """The gateway has the message. ``sent`` when it has already left (modem, router);
    ``duplicate`` when it already had this id (an earlier try reached it)."""

    reference: str = ""
    sent: bool = False
    duplicate: bool = False


# What a gateway says about a message it knows: pending (has it, not sent yet), sent,
# delivered, failed; None: it does not know this id.
KNOWN_STATES = ("pending", "sent", "delivered", "failed")


@dataclass(frozen=True)
class Status:
    state: str
    reason: str = ""


@dataclass(frozen=True)
class InboxItem:
    """One SMS (or delivery report) stored on a modem's SIM or a router's inbox: ``ref`` is
    where it is stored (to delete it once logged), ``key`` what identifies it whatever its
    place (the same text read twice, because a crash came between logging and deleting, is
    logged once), ``received_at`` the time the network stamped on it, when known."""

    ref: str
    key: str
    message: Any  # pdu.Delivered or pdu.StatusReport
    received_at: datetime | None = None


class SmsGateway(Protocol):
    def send(self, *, message_id: str, phone: str, text: str, ttl_seconds: int | None) -> Accepted:
        """Hand the message over; raises Unavailable, Rejected or Throttled."""

    def status(self, message_id: str) -> Status | None:
        """What the gateway knows of ``message_id`` (None: never received it)."""
