"""Reactions to other apps' domain events."""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import ValidationError

from erp.maintenance.models import Fault

from .choices import Channel
from .services import fault_closed, receive_customer_text

log = logging.getLogger(__name__)


def on_sms_received(payload: dict[str, Any]) -> None:
    """An inbound SMS that was not a keyword (erp.messaging): opens or continues a ticket.
    A number that is not a phone (a short code, an operator's notice) opens nothing."""
    try:
        receive_customer_text(
            phone=payload["phone"],
            text=payload["text"],
            channel=Channel.SMS,
            external_ref=f"sms:{payload['inbound']}",
        )
    except ValidationError as error:
        log.info("inbound SMS from %s opens no ticket: %s", payload.get("phone"), error.messages)


def on_fault_closed(payload: dict[str, Any]) -> None:
    """erp.maintenance closed a fault: close its incidents, tell the tickets' owners."""
    fault = Fault.objects.select_related("site").filter(pk=payload.get("fault_id")).first()
    if fault is not None:
        fault_closed(fault=fault)
