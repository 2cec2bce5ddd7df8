"""The maintenance API: faults (report, list, detail, triage, verify), repair logs, downtime
and uptime, as each role; refused calls change nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from erp.accounts.roles import Role
from erp.assets import services as asset_services
from erp.assets.models import AssetType
from erp.maintenance.choices import FaultStatus
from erp.maintenance.models import Downtime, Fault, RepairLog
from workflows.fault_repair.models import FaultRepairProcess


@pytest.fixture
def site(make_site, users):
    site = make_site(name="Kimara", code="DAR-KMR")
    site.agents.add(users[Role.AGENT])
    return site


def _report(api, user, site, **extra):
    return api(user).post(
        "/api/v1/faults/",
        {"site": str(site.pk), "severity": "major", "description": "No signal", **extra},
        format="json",
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    "role,reads_logs",
    [
        (Role.SUPER_ADMIN, True),
        (Role.TECHNICAL, True),
        (Role.FINANCE, True),
        (Role.SALES, False),
        (Role.MARKETING, False),
        (Role.AGENT, False),
    ],
)
def test_permission_matrix(api, users, site, role, reads_logs):
    user = users[role]
    # Everyone reports and lists faults
    created = _report(api, user, site)
    assert created.status_code == 201, created.content
    assert created.json()["status"] == "reported" and created.json()["reported_by"] == str(user.pk)
    assert api(user).get("/api/v1/faults/").status_code == 200
    assert api(user).get(f"/api/v1/faults/{created.json()['id']}/").status_code == 200
    # Repair logs and downtime are for the technical side and finance
    for url in ("/api/v1/repair-logs/", "/api/v1/downtimes/"):
        assert api(user).get(url).status_code == (200 if reads_logs else 403), url
    uptime = api(user).get("/api/v1/downtimes/uptime/?start=2026-01-01&end=2026-01-02")
    assert uptime.status_code == (200 if reads_logs else 403)
    # Only technicians (and Super Admin) write repair logs; a refused call writes nothing
    if role not in (Role.SUPER_ADMIN, Role.TECHNICAL):
        refused = api(user).post(
            "/api/v1/repair-logs/",
            {"fault": created.json()["id"], "diagnosis": "d", "actions": "a", "minutes_spent": 5},
            format="json",
        )
        assert refused.status_code == 403
        assert not RepairLog.objects.exists()


@pytest.mark.django_db
def test_the_flow_over_the_api_with_bad_input_refused(api, users, site, admin_user):
    sales, technician = users[Role.SALES], users[Role.TECHNICAL]
    fault_id = _report(api, sales, site, service_down=True).json()["id"]
    process = FaultRepairProcess.objects.get()

    # Closing before any repair log
    early = api(sales).post(f"/api/v1/faults/{fault_id}/verify/", {"confirm": True}, format="json")
    assert early.status_code == 400
    assert early.json() == {
        "non_field_errors": ["A fault is closed only after a repair log is recorded."]
    }

    # Assigning to a non-technician
    bad = api(admin_user).post(
        f"/api/v1/faults/{fault_id}/triage/",
        {"technician": str(users[Role.FINANCE].pk), "severity": "critical"},
        format="json",
    )
    assert bad.status_code == 400
    assert bad.json() == {"technician": ["finance is not a technician."]}
    fault = Fault.objects.get()
    assert fault.status == FaultStatus.REPORTED and fault.severity == "major"
    assert fault.assigned_to is None

    ok = api(admin_user).post(
        f"/api/v1/faults/{fault_id}/triage/",
        {"technician": str(technician.pk), "severity": "critical"},
        format="json",
    )
    assert ok.status_code == 200 and ok.json()["assigned_to"] == str(technician.pk)
    assert 0 < ok.json()["sla_seconds_left"] <= 4 * 3600

    log = api(technician).post(
        "/api/v1/repair-logs/",
        {
            "fault": fault_id,
            "diagnosis": "Cable cut",
            "actions": "New cable",
            "minutes_spent": 30,
            "cost": "2500.00",
        },
        format="json",
    )
    assert log.status_code == 201, log.content
    assert log.json()["cost"] == "2500.00" and log.json()["expense"] is not None

    no_reason = api(sales).post(
        f"/api/v1/faults/{fault_id}/verify/", {"confirm": False}, format="json"
    )
    assert no_reason.status_code == 400 and "reason" in no_reason.json()
    closed = api(sales).post(f"/api/v1/faults/{fault_id}/verify/", {"confirm": True}, format="json")
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    process.refresh_from_db()
    assert process.status == "DONE"
    assert Downtime.objects.get().ended_at is not None


@pytest.mark.django_db
def test_reporting_a_retired_asset_over_the_api_is_a_clear_400(api, users, site, admin_user):
    asset = asset_services.create_asset(
        actor=admin_user,
        asset_type=AssetType.objects.get(code="router"),
        serial_number="RB-1",
        site=site,
    )
    asset_services.retire_asset(actor=admin_user, asset=asset, reason="lightning")
    response = _report(api, users[Role.SALES], site, assets=[str(asset.pk)])
    assert response.status_code == 400
    assert "is retired" in response.json()["assets"][0]
    assert not Fault.objects.exists()


@pytest.mark.django_db
def test_an_agent_lists_only_faults_of_their_sites(api, users, site, make_site):
    _report(api, users[Role.SALES], make_site(name="Other", code="OTH-1"))
    mine = _report(api, users[Role.AGENT], site).json()["id"]
    listed = api(users[Role.AGENT]).get("/api/v1/faults/").json()["results"]
    assert [f["id"] for f in listed] == [mine]


@pytest.mark.django_db
def test_uptime_endpoint(api, users, site, admin_user):
    day = timezone.localdate() - timedelta(days=3)
    start = timezone.make_aware(timezone.datetime.combine(day, timezone.datetime.min.time()))
    Downtime.objects.create(
        site=site, started_at=start + timedelta(hours=6), ended_at=start + timedelta(hours=12)
    )
    response = api(admin_user).get(
        f"/api/v1/downtimes/uptime/?start={day}&end={day + timedelta(days=1)}"
    )
    assert response.status_code == 200
    row = next(r for r in response.json() if r["site"] == str(site.pk))
    assert row == {
        "site": str(site.pk),
        "site_name": "Kimara",
        "down_seconds": 21600,
        "uptime_percent": 75.0,
        "mttr_seconds": None,
    }
    bad = api(admin_user).get("/api/v1/downtimes/uptime/?start=2026-01-02&end=2026-01-01")
    assert bad.status_code == 400
