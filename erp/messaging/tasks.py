"""Celery tasks of the SMS app: thin wrappers around services."""

from __future__ import annotations

from celery import shared_task
from django.db.models import Q
from django.utils import timezone

from . import pump
from .choices import MessageState
from .models import Message

# Acknowledged only once done, and given back to the broker when the worker dies (SIGKILL):
# another worker resumes; the pump asks the gateway about a message left in flight first.
PUMP_OPTIONS = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    "ignore_result": True,
    "soft_time_limit": 120,
    "time_limit": 150,
}


@shared_task(bind=True, **PUMP_OPTIONS)
def pump_gateway(self, gateway_id: str) -> float | None:
    """Send a gateway's due messages for up to 50 s, then come back (on the same queue) if
    more are due."""
    again = pump.pump(gateway_id)
    if again is not None:
        queue = (self.request.delivery_info or {}).get("routing_key") or None
        pump_gateway.apply_async((gateway_id,), countdown=max(0.0, again), queue=queue)
    return again


@shared_task(soft_time_limit=50, time_limit=60, ignore_result=True)
def pump_all() -> list[str]:
    """Every minute, from beat: start the pump of each gateway with due messages (a pump
    whose worker died, a retry whose time has come)."""
    now = timezone.now()
    ids = set(
        Message.objects.filter(
            Q(state=MessageState.QUEUED, next_attempt_at__isnull=True)
            | Q(state=MessageState.QUEUED, next_attempt_at__lte=now)
            | Q(state=MessageState.SENDING, accepted_at__isnull=True)
        )
        .values_list("gateway_id", flat=True)
        .distinct()
    )
    for gateway_id in ids:
        pump_gateway.delay(str(gateway_id))
    pump.refresh_campaigns()
    return [str(i) for i in ids]
