"""Driving the fault process from code: monitoring opens one, the API reports one and records
repairs and verifications. Each completes the same task the UI page would, so a fault reported
by API or by a router going down waits in the same inboxes and queues.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from viewflow.workflow.status import STATUS

from erp.accounts.models import User
from erp.integrations.openwisp.choices import HealthEventKind
from erp.integrations.openwisp.models import DeviceHealthEvent
from erp.maintenance import services as maintenance
from erp.maintenance.models import Fault, RepairLog
from erp.mikrotik.choices import RouterEventKind
from erp.mikrotik.models import RouterEvent

from .flows import FaultRepairFlow
from .models import FaultRepairProcess

log = logging.getLogger(__name__)


def process_of(fault: Fault) -> FaultRepairProcess | None:
    return FaultRepairProcess.objects.filter(
        flow_class=FaultRepairFlow, data__fault_id=str(fault.pk)
    ).first()


@transaction.atomic
def report(*, actor: User, **fields: Any) -> Fault:
    fault = maintenance.report_fault(actor=actor, **fields)
    FaultRepairFlow.start_with_fault.run(fault=fault)
    return fault


def handle_router_event(event) -> None:
    """A router went down or came back (monitoring's RouterEvent).

    Down: open the router's fault and process (once per outage) and its downtime. Up: end the
    downtime; the fault stays open until verified. Idempotent: the same event again changes
    nothing (one open monitoring fault per router is a database constraint).
    """
    with transaction.atomic():
        if event.kind == RouterEventKind.DOWN:
            fault, created = maintenance.open_router_fault(
                router=event.router, at=event.at, message=event.message
            )
            if created:
                FaultRepairFlow.start_with_fault.run(fault=fault)
        else:
            maintenance.router_restored(router=event.router, at=event.at)


def on_router_status_changed(payload: dict[str, Any]) -> None:
    """Subscriber of erp.mikrotik's ROUTER_STATUS_CHANGED (registered in apps.py): a failure
    raises, and erp.core.events retries the delivery; the router's status stays recorded."""
    handle_router_event(
        RouterEvent.objects.select_related("router__site").get(pk=payload["router_event_id"])
    )


def handle_device_event(event) -> None:
    """An access point went critical or came back ok (OpenWISP's DeviceHealthEvent): the same
    path as a router. Down: one fault (and process) per outage and its downtime; up: the
    downtime ends. A device not yet known as an asset (a match waiting for a decision) opens
    nothing: the event stays listed on the integration's page."""
    asset = event.device.asset
    if asset is None:
        log.warning("openwisp device %s changed health without an asset; no fault", event.device)
        return
    with transaction.atomic():
        if event.kind == HealthEventKind.DOWN:
            fault, created = maintenance.open_asset_fault(
                asset=asset, site=event.site, at=event.at, message=event.message
            )
            if created:
                FaultRepairFlow.start_with_fault.run(fault=fault)
        else:
            maintenance.asset_restored(asset=asset, at=event.at)


def on_device_health_changed(payload: dict[str, Any]) -> None:
    """Subscriber of the OpenWISP integration's DEVICE_HEALTH_CHANGED (apps.py)."""
    handle_device_event(
        DeviceHealthEvent.objects.select_related("device__asset", "site").get(
            pk=payload["health_event_id"]
        )
    )


def _open_task(fault: Fault, node) -> Any:
    process = process_of(fault)
    task = (
        process
        and process.task_set.filter(
            flow_task=node, status__in=[STATUS.NEW, STATUS.ASSIGNED]
        ).first()
    )
    if task is None:
        raise ValidationError(_("This fault is not waiting for that step."))
    return process, task


def _complete(actor: User, fault: Fault, node, work):
    """Take the open task of ``node`` for ``actor``, run ``work`` (a service) and complete the
    task, all in one transaction under the process lock. The task is read once the lock is
    held: of two people completing it at once, the second finds it done and is told so."""
    with transaction.atomic():
        process = process_of(fault)
        if process is None:
            raise ValidationError(_("This fault is not waiting for that step."))
        with FaultRepairFlow.lock(process.pk):
            _process, task = _open_task(fault, node)
            activation = node.activation_class(task)
            if task.status == STATUS.NEW:
                activation.assign(actor)
            elif task.owner_id != actor.pk:
                activation.reassign(actor)
            activation.start(None)
            result = work()
            activation.execute()
    return result


def triage(*, actor: User, fault: Fault, technician: User, severity: str | None = None) -> Fault:
    return _complete(
        actor,
        fault,
        FaultRepairFlow.triage,
        lambda: maintenance.triage_fault(
            actor=actor, fault=fault, technician=technician, severity=severity
        ),
    )


def repair(*, actor: User, fault: Fault, **fields: Any) -> RepairLog:
    return _complete(
        actor,
        fault,
        FaultRepairFlow.repair,
        lambda: maintenance.record_repair(actor=actor, fault=fault, **fields),
    )


def verify(*, actor: User, fault: Fault, confirm: bool, reason: str = "") -> Fault:
    # The rule's own message first (no repair log, not the reporter), before the task lookup.
    if confirm and not fault.repair_logs.exists():
        raise ValidationError(_("A fault is closed only after a repair log is recorded."))
    return _complete(
        actor,
        fault,
        FaultRepairFlow.verify,
        lambda: maintenance.verify_fault(actor=actor, fault=fault, confirm=confirm, reason=reason),
    )
