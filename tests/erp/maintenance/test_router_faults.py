"""Monitoring: a router going down opens exactly one fault per outage; coming back ends the
downtime (the fault waits for verification)."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from erp.accounts.roles import Role
from erp.maintenance.choices import FaultSource, FaultStatus
from erp.maintenance.models import Downtime, Fault
from erp.mikrotik import services as mikrotik
from erp.mikrotik.client import UNREACHABLE
from erp.mikrotik.models import RouterEvent
from erp.sync.records import fault_record
from workflows.fault_repair.flows import FaultRepairFlow
from workflows.fault_repair.models import FaultRepairProcess
from workflows.fault_repair.services import handle_router_event


def _sim_name(simulator, simulated):
    return next(name for name, r in simulator.routers.items() if r is simulated)


def _polled(router, after_commit) -> bool:
    """Poll once, then run what waits for the commit (maintenance's reaction to the event)."""
    with after_commit(execute=True):
        return mikrotik.poll_health(router)


@pytest.mark.django_db
def test_a_down_router_opens_one_fault_and_its_recovery_ends_the_downtime(
    simulator, sim_router, django_capture_on_commit_callbacks
):
    router, simulated = sim_router()
    name = _sim_name(simulator, simulated)
    poll = django_capture_on_commit_callbacks
    assert _polled(router, poll) is True
    assert not Fault.objects.exists()

    # When the router stops answering, and is polled three times
    simulator.stop_router(name)
    for _ in range(3):
        assert _polled(router, poll) is False

    # Then one fault, one process waiting for triage, one open downtime from the down event
    down = RouterEvent.objects.get(router=router, kind="down")
    fault = Fault.objects.get()
    assert fault.source == FaultSource.MONITORING and fault.router == router
    assert fault.site == router.site and fault.reported_by is None
    assert fault.reported_at == down.at and fault.severity == "critical"
    assert fault.status == FaultStatus.REPORTED
    process = FaultRepairProcess.objects.get()
    assert process.fault == fault
    assert process.task_set.filter(flow_task=FaultRepairFlow.triage, status="NEW").count() == 1
    downtime = Downtime.objects.get()
    assert downtime.started_at == down.at and downtime.ended_at is None
    assert downtime.fault == fault

    # When it answers again
    simulator.start_router(name)
    assert _polled(router, poll) is True
    up = RouterEvent.objects.filter(router=router, kind="up").latest("at")
    downtime.refresh_from_db()
    fault.refresh_from_db()
    assert downtime.ended_at == up.at
    assert fault.restored_at == up.at and fault.status == FaultStatus.REPORTED  # not closed

    # A second outage before the fault is closed: the same fault, a second downtime
    simulator.stop_router(name)
    _polled(router, poll)
    assert Fault.objects.count() == 1 and FaultRepairProcess.objects.count() == 1
    assert Downtime.objects.filter(ended_at__isnull=True).count() == 1
    assert Downtime.objects.count() == 2
    fault.refresh_from_db()
    assert fault.restored_at is None
    simulator.start_router(name)
    _polled(router, poll)
    assert not Downtime.objects.filter(ended_at__isnull=True).exists()


@pytest.mark.django_db
def test_the_same_down_event_handled_twice_creates_nothing_more(make_router):
    router = make_router()
    event = RouterEvent.objects.create(router=router, kind="down", at=timezone.now())
    handle_router_event(event)
    handle_router_event(event)
    assert Fault.objects.count() == 1
    assert Downtime.objects.count() == 1
    assert FaultRepairProcess.objects.count() == 1


@pytest.mark.django_db
def test_one_open_monitoring_fault_per_router_is_a_database_constraint(make_router):
    router = make_router()
    event = RouterEvent.objects.create(router=router, kind="down", at=timezone.now())
    handle_router_event(event)
    first = Fault.objects.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        Fault.objects.create(
            site=router.site,
            router=router,
            source=FaultSource.MONITORING,
            severity="critical",
            description="duplicate",
            due_at=first.due_at,
        )
    # Once closed, a new outage may open a new fault
    Fault.objects.filter(pk=first.pk).update(status=FaultStatus.CLOSED, closed_at=timezone.now())
    Downtime.objects.update(ended_at=timezone.now())
    handle_router_event(RouterEvent.objects.create(router=router, kind="down", at=timezone.now()))
    assert Fault.objects.count() == 2


@pytest.mark.django_db
def test_a_maintenance_failure_never_loses_the_router_status(make_router, monkeypatch):
    from erp.maintenance import services as maintenance

    def boom(**kwargs):
        raise RuntimeError("maintenance broke")

    monkeypatch.setattr(maintenance, "open_router_fault", boom)
    router = make_router()
    assert mikrotik.record_status(router, up=False, message="timeout") is True
    router.refresh_from_db()
    assert router.status == "down" and RouterEvent.objects.filter(kind="down").count() == 1
    assert not Fault.objects.exists()


@pytest.mark.django_db
def test_a_monitoring_fault_reads_in_its_readers_language(
    simulator, sim_router, django_capture_on_commit_callbacks, make_user, api
):
    """The worker (English) opens the fault; a Swahili reader reads its description in Swahili
    on the API and in the field app's pull record; an English reader in English (issue 21)."""
    router, simulated = sim_router()
    simulator.stop_router(_sim_name(simulator, simulated))
    with translation.override("en"):
        _polled(router, django_capture_on_commit_callbacks)
    fault = Fault.objects.get()
    with translation.override("sw"):
        expected = translation.gettext("Router %(router)s stopped answering. %(message)s") % {
            "router": router.name,
            "message": translation.gettext(UNREACHABLE),
        }
        assert fault_record(fault)["description"] == expected
    assert "stopped answering" not in expected  # there is a Swahili text to read

    swahili = api(make_user(Role.SUPER_ADMIN, language="sw"))
    assert swahili.get(f"/api/v1/faults/{fault.pk}/").json()["description"] == expected
    english = api(make_user(Role.SUPER_ADMIN, language="en"))
    shown = english.get(f"/api/v1/faults/{fault.pk}/").json()["description"]
    assert shown.startswith(f"Router {router.name} stopped answering. The router is unreachable")
