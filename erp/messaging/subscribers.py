"""Reactions to other apps' domain events."""

from __future__ import annotations

import logging
from typing import Any

from . import services
from .gateways import GatewayError
from .models import Gateway

log = logging.getLogger(__name__)


def on_sale_recorded(payload: dict[str, Any]) -> None:
    """A sale with a client: queue the receipt and code SMS (once per sale)."""
    services.queue_sale_receipt(payload)


def on_fault_reported(payload: dict[str, Any]) -> None:
    """A fault was reported: confirm it to the reporter's phone (once per fault)."""
    services.queue_fault_notice(payload, closed=False)


def on_fault_closed(payload: dict[str, Any]) -> None:
    """A reported fault was closed: tell the reporter (once per fault)."""
    services.queue_fault_notice(payload, closed=True)


def on_remittance_recorded(payload: dict[str, Any]) -> None:
    """Finance recorded an agent's remittance: the agent's receipt SMS (once per remittance)."""
    services.queue_remittance_receipt(payload)


def on_modem_announced(payload: dict[str, Any]) -> None:
    """A modem announced texts or reports (+CMTI / +CDSI) while it sent: read those now.
    A modem that cannot be opened now is left to the minute's listing, which reads them too."""
    gateway = Gateway.objects.filter(pk=payload["gateway"]).first()
    if gateway is None:
        return
    notices = [(str(kind), int(index)) for kind, index in payload.get("notices", [])]
    try:
        services.read_notified(gateway, notices)
    except GatewayError as exc:
        log.warning("gateway %s: announced messages left for the listing: %s", gateway.pk, exc)
