"""Domain events: an app records a fact and announces it; other apps react.

A reaction in another app (router down → fault; later: sale → receipt SMS, payment → voucher)
must neither be a call from the owning app into its subscribers (the layers forbid it) nor be
lost when a subscriber fails. So:

- ``announce`` is called inside the transaction that records the fact. It writes one
  ``EventDelivery`` row per subscriber in that same transaction: if the fact rolls back, so do
  its deliveries; if it commits, they are durable.
- After the commit, each delivery runs in its own transaction. A subscriber that raises is
  logged and its delivery stays pending with the error and a later ``next_attempt_at``; the
  fact is untouched. Beat's *Deliver domain events* (``erp.core.tasks.deliver_due_events``)
  retries what is due, with backoff.
- A delivery is claimed under a row lock (``skip_locked``) and marked delivered in the same
  transaction as its subscriber's work, so it runs at most once to success; subscribers must
  still be idempotent (a crash between their side effects outside the database and the
  commit replays them).

Subscribers register in their app's ``AppConfig.ready()`` with ``subscribe``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from .models import EventDelivery

log = logging.getLogger(__name__)

Handler = Callable[[dict[str, Any]], None]

_subscribers: dict[str, dict[str, Handler]] = {}

# Seconds before the n-th retry of a failed delivery (the last value repeats).
BACKOFF = (30, 60, 300, 900, 3600)


def handler_id(handler: Handler) -> str:
    return f"{handler.__module__}.{handler.__qualname__}"


def subscribe(event: str, handler: Handler) -> None:
    """Run ``handler(payload)`` for every ``event`` announced from now on (idempotent)."""
    _subscribers.setdefault(event, {})[handler_id(handler)] = handler


def subscribers(event: str) -> dict[str, Handler]:
    return dict(_subscribers.get(event, {}))


def announce(event: str, *, key: str, **payload: Any) -> list[Any]:
    """Record that ``event`` happened (``key`` names this occurrence, e.g. the fact's id) and
    deliver it to every subscriber after the commit. Announcing the same key twice delivers
    once. Returns the deliveries created."""
    rows = [
        # due for the retry sweep in case the delivery after the commit never runs (the
        # process died in between); delivered first, it is never picked up
        EventDelivery(
            event=event,
            key=key,
            handler=name,
            payload=payload,
            next_attempt_at=timezone.now() + timedelta(seconds=BACKOFF[0]),
        )
        for name in subscribers(event)
    ]
    if not rows:
        return []
    EventDelivery.objects.bulk_create(rows, ignore_conflicts=True)
    created = list(
        EventDelivery.objects.filter(key=key, event=event, delivered_at__isnull=True).values_list(
            "pk", flat=True
        )
    )
    transaction.on_commit(lambda: deliver(created))
    return created


def deliver(ids: Iterable[Any]) -> int:
    """Run the pending deliveries among ``ids``; returns how many succeeded."""
    done = 0
    for pk in ids:
        done += _deliver_one(pk)
    return done


def deliver_due(*, now=None, limit: int = 500) -> int:
    """Retry deliveries that failed and are due again (beat, every minute)."""
    now = now or timezone.now()
    due = EventDelivery.objects.filter(
        delivered_at__isnull=True, next_attempt_at__lte=now
    ).values_list("pk", flat=True)[:limit]
    return deliver(list(due))


def _deliver_one(pk: Any) -> int:
    try:
        with transaction.atomic():
            delivery = (
                EventDelivery.objects.select_for_update(skip_locked=True)
                .filter(pk=pk, delivered_at__isnull=True)
                .first()
            )
            if delivery is None:
                return 0  # delivered already, or another process is delivering it
            handler = subscribers(delivery.event).get(delivery.handler)
            if handler is None:
                raise LookupError(f"no subscriber {delivery.handler} for {delivery.event}")
            handler(dict(delivery.payload))
            delivery.delivered_at = timezone.now()
            delivery.attempts += 1
            delivery.last_error = ""
            delivery.save(update_fields=["delivered_at", "attempts", "last_error"])
            return 1
    except Exception as exc:
        log.exception("event delivery %s failed", pk)
        _note_failure(pk, exc)
        return 0


def _note_failure(pk: Any, exc: Exception) -> None:
    delivery = EventDelivery.objects.filter(pk=pk).only("attempts").first()
    if delivery is None:
        return
    wait = BACKOFF[min(delivery.attempts, len(BACKOFF) - 1)]
    EventDelivery.objects.filter(pk=pk).update(
        attempts=F("attempts") + 1,
        last_error=f"{type(exc).__name__}: {exc}"[:500],
        next_attempt_at=timezone.now() + timedelta(seconds=wait),
    )
