"""Reactions to other apps' domain events."""

from __future__ import annotations

from typing import Any


def on_sale_recorded(payload: dict[str, Any]) -> None:
    """A sale with a client: queue the receipt and code SMS (once per sale)."""
    from . import services

    services.queue_sale_receipt(payload)
