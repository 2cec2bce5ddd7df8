"""The circuit breaker (a router that keeps failing is left alone for a while) and push
de-duplication."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone

from erp.sites.models import Router

from ..models import (
    RouterCircuit,
)

log = logging.getLogger(__name__)


# --- circuit breaker and push de-duplication ----------------------------------------------------
def _circuit(router: Router) -> RouterCircuit:
    return RouterCircuit.objects.get_or_create(router_id=router.pk)[0]


def _cooldown(failures: int) -> timedelta:
    over = max(0, failures - settings.ROUTER_BREAKER_FAILURES)
    seconds = settings.ROUTER_BREAKER_COOLDOWN * 2 ** min(over, 20)
    return timedelta(seconds=min(seconds, settings.ROUTER_BREAKER_MAX_COOLDOWN))


def circuit_failure(router: Router, message: str) -> RouterCircuit:
    """Count a failure to reach the router; open the circuit at ROUTER_BREAKER_FAILURES."""
    now = timezone.now()
    with transaction.atomic():
        _circuit(router)
        circuit = RouterCircuit.objects.select_for_update().get(pk=router.pk)
        circuit.failures += 1
        circuit.last_failure = message
        if circuit.failures >= settings.ROUTER_BREAKER_FAILURES:
            if circuit.opened_at is None:
                circuit.opened_at = now
                log.warning(
                    "router %s: circuit open after %d failures", router.pk, circuit.failures
                )
            circuit.retry_at = now + _cooldown(circuit.failures)
        circuit.save(update_fields=["failures", "last_failure", "opened_at", "retry_at"])
    return circuit


def circuit_success(router: Router) -> None:
    """The router answered: close its circuit (one UPDATE, and only when there is something
    to clear)."""
    closed = (
        RouterCircuit.objects.filter(pk=router.pk)
        .filter(models.Q(failures__gt=0) | models.Q(opened_at__isnull=False))
        .update(failures=0, last_failure="", opened_at=None, retry_at=None)
    )
    if closed:
        log.info("router %s: circuit closed", router.pk)


def circuit_allows(router: Router) -> bool:
    """May a background task talk to this router now? Yes while the circuit is closed; while
    it is open, only the one caller that claims the probe once ``retry_at`` has passed (the
    claim moves ``retry_at`` on, so two workers never probe at once)."""
    circuit = _circuit(router)
    if not circuit.is_open:
        return True
    now = timezone.now()
    return bool(
        RouterCircuit.objects.filter(
            pk=router.pk, opened_at__isnull=False, retry_at__lte=now
        ).update(retry_at=now + _cooldown(circuit.failures + 1))
    )


def routers_open_now() -> models.QuerySet:
    """Ids of routers whose circuit is open and not yet due for a probe."""
    return RouterCircuit.objects.filter(
        opened_at__isnull=False, retry_at__gt=timezone.now()
    ).values("router_id")


def claim_push(router: Router) -> bool:
    """True when the caller should queue a push of this router: none is queued, or the one
    queued is older than a task can live (its message was lost). At most one push message per
    router waits in the queue, however often beat and sales ask."""
    now = timezone.now()
    stale = now - timedelta(seconds=settings.ROUTER_PUSH_QUEUED_STALE)
    _circuit(router)
    return bool(
        RouterCircuit.objects.filter(pk=router.pk)
        .filter(models.Q(push_queued_at__isnull=True) | models.Q(push_queued_at__lt=stale))
        .update(push_queued_at=now)
    )


def push_started(router: Router) -> None:
    """The queued push is running: a change from now on may queue the next one."""
    RouterCircuit.objects.filter(pk=router.pk).update(push_queued_at=None)
