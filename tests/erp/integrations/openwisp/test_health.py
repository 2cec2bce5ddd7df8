"""Health: an access point critical in OpenWISP opens exactly one fault per outage through the
fault process (like a router going down); ok ends the downtime."""

from __future__ import annotations

import pytest

from erp.integrations.openwisp import services
from erp.integrations.openwisp.models import DeviceHealthEvent, OpenWispDevice
from erp.maintenance.choices import FaultSource, FaultStatus
from erp.maintenance.models import Downtime, Fault
from workflows.fault_repair.flows import FaultRepairFlow
from workflows.fault_repair.models import FaultRepairProcess


def _check(config, capture):
    with capture(execute=True):
        return services.check_health(config)


@pytest.mark.django_db
def test_one_fault_per_access_point_outage(
    openwisp_sim, openwisp_site, django_capture_on_commit_callbacks
):
    config = openwisp_site(openwisp_sim)
    services.discover(config)
    state = openwisp_sim.state
    target = state.devices[5]["id"]
    device = OpenWispDevice.objects.get(openwisp_id=target)
    capture = django_capture_on_commit_callbacks

    counts = _check(config, capture)
    assert counts["ok"] == 12 and not Fault.objects.exists()

    # When it goes critical and stays so over three checks
    state.set_status(target, "critical")
    for _ in range(3):
        _check(config, capture)

    # Then one fault (monitoring, on the AP's asset), one process in triage, one downtime
    down = DeviceHealthEvent.objects.get(device=device, kind="down")
    fault = Fault.objects.get()
    assert fault.source == FaultSource.MONITORING and fault.monitored_asset == device.asset
    assert fault.site == config.site and fault.reported_at == down.at
    assert list(fault.assets.all()) == [device.asset]
    assert "ping" in fault.description
    process = FaultRepairProcess.objects.get()
    assert process.fault == fault
    assert process.task_set.filter(flow_task=FaultRepairFlow.triage, status="NEW").count() == 1
    downtime = Downtime.objects.get()
    assert downtime.asset == device.asset and downtime.ended_at is None
    device.refresh_from_db()
    assert device.health == "critical" and device.is_healthy is False and device.in_outage

    # problem is not ok: the outage goes on
    state.set_status(target, "problem")
    _check(config, capture)
    assert Downtime.objects.get().ended_at is None

    # When it is ok again: the downtime ends (recorded), the fault waits for verification
    state.set_status(target, "ok")
    _check(config, capture)
    up = DeviceHealthEvent.objects.get(device=device, kind="up")
    downtime.refresh_from_db()
    fault.refresh_from_db()
    assert downtime.ended_at == up.at and downtime.ended_at > downtime.started_at
    assert fault.restored_at == up.at and fault.status == FaultStatus.REPORTED

    # A second outage before the fault is closed: the same fault, a second downtime
    state.set_status(target, "critical")
    _check(config, capture)
    assert Fault.objects.count() == 1 and FaultRepairProcess.objects.count() == 1
    assert Downtime.objects.count() == 2


@pytest.mark.django_db
def test_the_flapping_device_never_has_two_open_faults(
    openwisp_sim, openwisp_site, django_capture_on_commit_callbacks
):
    config = openwisp_site(openwisp_sim)
    services.discover(config)
    flapper = OpenWispDevice.objects.get(openwisp_id=openwisp_sim.state.devices[0]["id"])
    for _ in range(6):
        openwisp_sim.state.step()
        _check(config, django_capture_on_commit_callbacks)
    open_faults = Fault.objects.filter(monitored_asset=flapper.asset).exclude(status="closed")
    assert open_faults.count() == 1
    assert DeviceHealthEvent.objects.filter(device=flapper, kind="down").count() == 3
    assert Downtime.objects.filter(asset=flapper.asset).count() == 3
    assert Downtime.objects.filter(asset=flapper.asset, ended_at__isnull=True).count() == 0
