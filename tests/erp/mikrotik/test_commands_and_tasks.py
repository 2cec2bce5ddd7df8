"""Operators' commands, the simulator command, and the Celery tasks (eager)."""

from __future__ import annotations

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
import routeros_api
from django.core.management import CommandError, call_command

from erp.mikrotik import tasks
from erp.mikrotik.models import HotspotUser
from erp.mikrotik.services import HotspotUserSpec, queue_hotspot_users
from erp.mikrotik.simulator import free_port, wait_for_port
from erp.sites.choices import RouterStatus
from tests.router_fixtures import sim_users

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.django_db
def test_router_check_prints_identity_version_resource(sim_router):
    router, _ = sim_router()
    out = StringIO()
    call_command("router_check", f"{router.site.code}/{router.name}", stdout=out)
    text = out.getvalue()
    assert f"identity:  {router.name}" in text and "version:   7.16.2" in text
    assert "board:     hAP ac2" in text


@pytest.mark.django_db
def test_router_check_on_a_dead_router_fails_clearly(make_router):
    router = make_router(host="127.0.0.1", api_port=1)
    with pytest.raises(CommandError, match="cannot reach 127.0.0.1:1"):
        call_command("router_check", str(router.pk))
    with pytest.raises(CommandError, match="no router"):
        call_command("router_check", "nope")


@pytest.mark.django_db
def test_router_drift_command_lists_and_repairs(sim_router, simulator):
    router, simulated = sim_router()
    queue_hotspot_users(router, [HotspotUserSpec(name="C1"), HotspotUserSpec(name="C2")])
    out = StringIO()
    call_command("router_drift", str(router.pk), stdout=out)
    assert "Ours, missing on the router: 2" in out.getvalue()
    out = StringIO()
    call_command("router_drift", str(router.pk), "--repair", stdout=out)
    assert "repaired: 2 added" in out.getvalue()
    out = StringIO()
    call_command("router_drift", str(router.pk), stdout=out)
    assert "no drift" in out.getvalue()
    assert sorted(u["name"] for u in sim_users(simulator, simulated)) == ["C1", "C2"]


@pytest.mark.django_db
def test_tasks_poll_and_push(sim_router, simulator, eager_celery):
    router, simulated = sim_router()
    assert tasks.poll_all_health() >= 1
    router.refresh_from_db()
    assert router.status == RouterStatus.UP
    queue_hotspot_users(router, [HotspotUserSpec(name="T1")])
    assert tasks.push_all_pending() == 1
    assert HotspotUser.objects.get(name="T1").sync_state == "synced"
    tasks.poll_router_traffic(str(router.pk))
    assert router.samples.filter(rx_bytes__isnull=False).exists()


def test_routeros_sim_command_serves_routers(tmp_path):
    port = free_port(2)
    env = {**os.environ, "ERP_VAR_DIR": str(tmp_path)}
    proc = subprocess.Popen(
        [
            sys.executable,
            "manage.py",
            "routeros_sim",
            "--port",
            str(port),
            "--routers",
            "2",
            "--password",
            "pw",
            "--state",
            str(tmp_path / "sim.json"),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        # each router listens on its own port, started one after the other: wait for both
        if not (wait_for_port(port, timeout=60) and wait_for_port(port + 1, timeout=60)):
            proc.kill()
            pytest.fail("the simulator did not start: " + proc.communicate(timeout=10)[0])
        for p in (port, port + 1):
            pool = routeros_api.RouterOsApiPool(
                "127.0.0.1", "admin", "pw", port=p, plaintext_login=True
            )
            identity = pool.get_api().get_resource("/system/identity").get()[0]["name"]
            assert identity == f"sim-{p - port + 1}"
            pool.get_api().get_resource("/ip/hotspot/user").add(name="KEEP", password="KEEP")
            pool.disconnect()
    finally:
        proc.terminate()
        output = proc.communicate(timeout=10)[0]
    assert f"sim-1 on 127.0.0.1:{port}" in output
    assert "KEEP" in (tmp_path / "sim.json").read_text()  # state kept on disk
