"""The gateway pump: sends a gateway's due messages at its pace, one pump per gateway."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_noop

from erp.core import events, locks
from erp.core.texts import Text

from . import throttle
from .choices import CampaignState, MessageState
from .gateways import Rejected, Throttled, Unavailable, adapter_for
from .models import Campaign, Gateway, Message
from .states import _record, transition

log = logging.getLogger(__name__)

# A modem announced stored texts or delivery reports (+CMTI / +CDSI) while the pump sent.
MODEM_ANNOUNCED = "messaging.modem_announced"

BATCH = 100


def _due(gateway: Gateway, now: datetime) -> list[Message]:
    """The next due messages, oldest first (a batch: one query per hundred messages). Each
    is re-read under its row lock before it is sent."""
    return list(
        Message.objects.filter(
            gateway=gateway, state__in=[MessageState.QUEUED, MessageState.SENDING]
        )
        .filter(
            Q(state=MessageState.QUEUED, next_attempt_at__isnull=True)
            | Q(state=MessageState.QUEUED, next_attempt_at__lte=now)
            | Q(state=MessageState.SENDING, accepted_at__isnull=True)
        )
        .order_by("created_at", "id")[:BATCH]
    )


def _backoff(attempts: int) -> int:
    steps = settings.SMS_RETRY_BACKOFF
    return steps[min(max(attempts - 1, 0), len(steps) - 1)]


def pump(
    gateway_id,
    *,
    budget_seconds: float = 50.0,
    clock: Callable[[], float] = time.time,
    sleep: Callable[[float], None] = time.sleep,
) -> float | None:
    """Send the gateway's due messages at its pace for up to ``budget_seconds``.

    Returns None when nothing is left to do now, else the seconds after which the pump
    should run again. Only one pump per gateway runs (others return at once). A message left
    ``sending`` without ``accepted_at`` by a killed worker is asked about first: the gateway
    says whether it has it; if not, it is sent again under the same id (the gateway answers
    409 if it had it after all)."""
    with locks.held(f"sms-pump:{gateway_id}") as got:
        if not got:
            return None
        gateway = Gateway.objects.filter(pk=gateway_id, is_active=True).first()
        if gateway is None:
            return None
        adapter = adapter_for(gateway)
        try:
            return _drain(gateway, adapter, budget_seconds, clock, sleep)
        finally:
            _read_announced(gateway, adapter)


def _read_announced(gateway: Gateway, adapter) -> None:
    """A modem announced texts or delivery reports (+CMTI / +CDSI) while it sent: read and
    log them now, not at the next minute's listing (which reads them anyway if this fails)."""
    notices = sorted(set(getattr(adapter, "notices", None) or []))
    if not notices:
        return
    # through an event (this module sits below the services): read after the commit, and
    # retried by the event sweep if the process dies first
    with transaction.atomic():
        events.announce(
            MODEM_ANNOUNCED,
            key=f"{gateway.pk}:{time.time_ns()}",
            gateway=str(gateway.pk),
            notices=[[kind, index] for kind, index in notices],
        )


def _drain(gateway: Gateway, adapter, budget_seconds: float, clock, sleep) -> float | None:
    """The pump's loop (the gateway's lock is held by the caller)."""
    limiter = throttle.for_gateway(gateway, clock=clock)
    deadline = clock() + budget_seconds
    batch: list[Message] = []
    while clock() < deadline:
        now = timezone.now()
        if not batch:
            batch = _due(gateway, now)
            if not batch:
                return _next_due_in(gateway, now)
        message = batch[0]
        if not _still_due(message):
            batch.pop(0)
            continue
        if message.expires_at and message.expires_at <= now:
            transition(
                message, MessageState.EXPIRED, note=Text(gettext_noop("not sent before it expired"))
            )
            continue
        if message.state == MessageState.SENDING and _recover(adapter, message):
            continue
        wait = limiter.acquire(message.parts, str(message.pk))
        if wait > 0:
            if clock() + wait > deadline:
                return wait
            sleep(wait)
            continue
        batch.pop(0)
        outcome = _send_one(adapter, message, limiter)
        if outcome is not None:
            return outcome  # the gateway is down or throttling: come back later
    return 0.0


def _still_due(message: Message) -> bool:
    """The batch was read a while ago: a webhook or a resend may have moved the message."""
    current = (
        Message.objects.filter(pk=message.pk)
        .values_list("state", "accepted_at", "next_attempt_at", "attempts")
        .first()
    )
    if current is None:
        return False
    state, accepted_at, next_attempt_at, attempts = current
    message.state, message.accepted_at, message.attempts = state, accepted_at, attempts
    if state == MessageState.QUEUED:
        return next_attempt_at is None or next_attempt_at <= timezone.now()
    return state == MessageState.SENDING and accepted_at is None


def _next_due_in(gateway: Gateway, now: datetime) -> float | None:
    later = (
        Message.objects.filter(gateway=gateway, state=MessageState.QUEUED, next_attempt_at__gt=now)
        .order_by("next_attempt_at")
        .values_list("next_attempt_at", flat=True)
        .first()
    )
    return None if later is None else max(0.0, (later - now).total_seconds())


def _recover(adapter, message: Message) -> bool:
    """A message a dead pump left in flight: True when the gateway has it (nothing to send).
    A gateway that cannot tell (the router) fails it rather than risk sending it twice."""
    if not getattr(adapter, "can_tell_status", True):
        transition(
            message,
            MessageState.FAILED,
            note=Text(
                gettext_noop(
                    "It was being sent when the worker stopped, and this gateway cannot tell "
                    "whether it went out: not sent again."
                )
            ),
        )
        return True
    try:
        status = adapter.status(str(message.pk))
    except Unavailable:
        return False  # the send below will meet the same fate and back off
    except Rejected:
        return False
    if status is None:
        return False
    _accepted(message, status.state, reason=status.reason)
    return True


def _accepted(message: Message, gateway_state: str, *, reason: str = "") -> None:
    now = timezone.now()
    if gateway_state == "failed":
        transition(
            message,
            MessageState.FAILED,
            note=reason or Text(gettext_noop("the phone could not send it")),
            accepted_at=now,
        )
    elif gateway_state == "delivered":
        transition(message, MessageState.DELIVERED, accepted_at=now, sent_at=now, delivered_at=now)
    elif gateway_state == "sent":
        transition(message, MessageState.SENT, accepted_at=now, sent_at=now)
    else:
        transition(message, MessageState.SENDING, accepted_at=now)


def _send_one(adapter, message: Message, limiter) -> float | None:
    transition(message, MessageState.SENDING, attempts=message.attempts + 1, next_attempt_at=None)
    try:
        result = adapter.send(
            message_id=str(message.pk),
            phone=message.phone,
            text=message.text,
            ttl_seconds=(
                int((message.expires_at - timezone.now()).total_seconds())
                if message.expires_at
                else None
            ),
        )
    except Throttled as exc:
        limiter.release(str(message.pk))
        transition(message, MessageState.SENDING, attempts=message.attempts - 1)
        Message.objects.filter(pk=message.pk).update(state=MessageState.QUEUED)
        return max(exc.retry_after, 0.5)
    except Unavailable as exc:
        limiter.release(str(message.pk))
        if message.attempts >= settings.SMS_MAX_ATTEMPTS:
            transition(
                message,
                MessageState.FAILED,
                note=Text(
                    gettext_noop("%(reason)s Gave up after %(n)d tries."),
                    reason=exc.reason,
                    n=message.attempts,
                ),
            )
            return None
        wait = _backoff(message.attempts)
        with transaction.atomic():
            Message.objects.filter(pk=message.pk, state=MessageState.SENDING).update(
                state=MessageState.QUEUED,
                next_attempt_at=timezone.now() + timedelta(seconds=wait),
                reason=exc.reason,
            )
            _record(
                message,
                MessageState.QUEUED,
                Text(gettext_noop("try %(n)d: %(reason)s"), n=message.attempts, reason=exc.reason),
            )
        return float(wait)
    except Rejected as exc:
        limiter.release(str(message.pk))
        transition(message, MessageState.FAILED, note=exc.reason)
        return None
    limiter.confirm(str(message.pk), message.parts)
    if result.reference:
        # a modem's +CMGS references: its delivery reports name them
        Message.objects.filter(pk=message.pk).update(gateway_reference=result.reference[:64])
    _accepted(message, "sent" if result.sent else "pending")
    return None


def refresh_campaigns() -> int:
    """Campaign states from their messages (beat, with pump_all): sending once one went,
    done once none waits. Returns how many changed."""
    changed = 0
    for campaign in Campaign.objects.exclude(state=CampaignState.DONE).only("pk", "state"):
        pending = Message.objects.filter(
            campaign=campaign, state__in=[MessageState.QUEUED, MessageState.SENDING]
        ).exists()
        state = CampaignState.SENDING if pending else CampaignState.DONE
        if (
            pending
            and not Message.objects.filter(campaign=campaign)
            .exclude(state=MessageState.QUEUED)
            .exists()
        ):
            state = CampaignState.QUEUED
        if state != campaign.state:
            Campaign.objects.filter(pk=campaign.pk).update(state=state)
            changed += 1
    return changed
