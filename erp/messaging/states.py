"""A message's state changes, each with its history row in the same transaction."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from .choices import FINAL_STATES, MessageState
from .models import Message, MessageEvent

# Order of the states: a late report never moves a message back.
RANK = {
    MessageState.QUEUED: 0,
    MessageState.SENDING: 1,
    MessageState.SENT: 2,
    MessageState.DELIVERED: 3,
    MessageState.FAILED: 3,
    MessageState.EXPIRED: 3,
}


def _record(message: Message, state: str, note: str = "") -> MessageEvent:
    return MessageEvent.objects.create(message=message, state=state, note=note)


def transition(message: Message, state: str, *, note: str = "", **fields: Any) -> bool:
    """Move ``message`` (locked) to ``state`` with its history row, in one transaction.
    A move backwards (a late 'sent' after 'delivered') is ignored; returns whether it moved."""
    with transaction.atomic():
        current = Message.objects.select_for_update().get(pk=message.pk)
        if current.state in FINAL_STATES or RANK[state] < RANK[current.state]:
            # still keep the facts that only add (accepted_at of a late 202)
            extra = {k: v for k, v in fields.items() if getattr(current, k) in (None, "", 0)}
            if extra:
                Message.objects.filter(pk=current.pk).update(**extra)
            return False
        changes = dict(fields)
        if state != current.state:
            changes["state"] = state
        if state == MessageState.FAILED:
            changes["reason"] = note
        changes["updated_at"] = timezone.now()
        Message.objects.filter(pk=current.pk).update(**changes)
        if state != current.state:
            _record(current, state, note)
        for key, value in changes.items():
            setattr(message, key, value)
        return state != current.state
