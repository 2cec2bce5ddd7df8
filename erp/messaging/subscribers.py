"""Reactions to other apps' domain events."""

from __future__ import annotations

from typing import Any


def on_sale_recorded(payload: dict[str, Any]) -> None:
    """A sale with a client: queue the receipt and code SMS (once per sale)."""
    from . import services

    services.queue_sale_receipt(payload)


def on_fault_reported(payload: dict[str, Any]) -> None:
    """A fault was reported: confirm it to the reporter's phone (once per fault)."""
    from . import services

    services.queue_fault_notice(payload, closed=False)


def on_fault_closed(payload: dict[str, Any]) -> None:
    """A reported fault was closed: tell the reporter (once per fault)."""
    from . import services

    services.queue_fault_notice(payload, closed=True)


def on_remittance_recorded(payload: dict[str, Any]) -> None:
    """Finance recorded an agent's remittance: the agent's receipt SMS (once per remittance)."""
    from . import services

    services.queue_remittance_receipt(payload)
