"""The fault-to-repair process driven through its task URLs, as each role."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from viewflow.workflow.status import STATUS

from erp.accounts.roles import Role
from erp.maintenance.choices import FaultStatus, Severity
from erp.maintenance.models import Downtime, Fault, RepairLog
from workflows.fault_repair.flows import FaultRepairFlow
from workflows.fault_repair.models import FaultRepairProcess


@pytest.fixture
def lead(make_user):
    """A Technical user made a lead by an individual grant of triage_fault."""
    user = make_user(Role.TECHNICAL, username="lead")
    user.user_permissions.add(Permission.objects.get(codename="triage_fault"))
    return type(user).objects.get(pk=user.pk)  # fresh permission cache


@pytest.fixture
def site(make_site, users):
    site = make_site(name="Mbezi", code="DAR-MBZ")
    site.agents.add(users[Role.AGENT])
    return site


def _report(client, user, site, **extra):
    client.force_login(user)
    assert client.get("/faults/start/").status_code == 200
    data = {
        "site": str(site.pk),
        "severity": Severity.MAJOR,
        "description": "Access point on the mast is dead",
        "service_down": "on",
        **extra,
    }
    return client.post("/faults/start/", data)


def _task(process, node, status=None):
    tasks = process.task_set.filter(flow_task=node)
    if status:
        tasks = tasks.filter(status=status)
    return tasks.order_by("-pk").first()


def _url(process, task, action=""):
    return f"/faults/{process.pk}/{task.flow_task.name}/{task.pk}/{action}"


REPAIR = {
    "diagnosis": "PoE injector burnt",
    "actions": "Replaced the injector",
    "parts_used": "PoE injector 24V",
    "minutes_spent": "45",
    "cost": "15000",
}


@pytest.mark.django_db
def test_report_triage_repair_send_back_and_close_through_task_urls(client, users, lead, site):
    agent, technician = users[Role.AGENT], users[Role.TECHNICAL]

    # Given an agent reports a fault at their site
    response = _report(client, agent, site)
    assert response.status_code == 302
    process = FaultRepairProcess.objects.get()
    fault = process.fault
    assert fault.status == FaultStatus.REPORTED and fault.reported_by == agent
    assert fault.downtimes.get().ended_at is None
    triage = _task(process, FaultRepairFlow.triage)
    assert triage.status == STATUS.NEW

    # The agent cannot take the triage
    client.post(_url(process, triage, "assign/"))
    triage.refresh_from_db()
    assert triage.owner is None

    # The lead finds it in the queue, takes it, raises the severity and assigns the technician
    client.force_login(lead)
    queue = client.get("/faults/queue/")
    assert queue.status_code == 200 and "Mbezi" in queue.content.decode()
    assert client.post(_url(process, triage, "assign/")).status_code == 302
    page = client.get(_url(process, triage, "execute/"))
    assert page.status_code == 200 and "Access point on the mast is dead" in page.content.decode()
    done = client.post(
        _url(process, triage, "execute/"),
        {"severity": Severity.CRITICAL, "technician": str(technician.pk)},
    )
    assert done.status_code == 302
    fault.refresh_from_db()
    assert fault.assigned_to == technician and fault.severity == Severity.CRITICAL
    assert fault.due_at == fault.reported_at + __import__("datetime").timedelta(hours=4)

    # The repair task lands in the technician's inbox, with site, severity and SLA left
    repair = _task(process, FaultRepairFlow.repair)
    assert repair.owner == technician and repair.status == STATUS.ASSIGNED
    client.force_login(technician)
    inbox = client.get("/faults/inbox/").content.decode()
    assert "Mbezi" in inbox and "Critical" in inbox and "left" in inbox
    assert client.post(_url(process, repair, "execute/"), REPAIR).status_code == 302
    fault.refresh_from_db()
    assert fault.status == FaultStatus.REPAIRED and fault.repair_logs.count() == 1
    log = fault.repair_logs.get()
    # the cost became a Repairs expense of the site, waiting for Finance whatever its size
    assert log.expense is not None and log.expense.amount == 15000
    assert log.expense.status == "pending" and log.expense.category == "repairs"

    # Verification is the reporter's: the agent sends it back with a reason
    verify = _task(process, FaultRepairFlow.verify)
    assert verify.owner == agent
    client.force_login(agent)
    no_reason = client.post(_url(process, verify, "execute/"), {"decision": "repair"})
    assert "Say why the repair is not accepted." in no_reason.content.decode()
    verify.refresh_from_db()
    assert verify.status == STATUS.ASSIGNED
    back = client.post(
        _url(process, verify, "execute/"), {"decision": "repair", "reason": "Still no signal"}
    )
    assert back.status_code == 302
    fault.refresh_from_db()
    assert fault.status == FaultStatus.ASSIGNED and fault.send_back_reason == "Still no signal"

    # Back in the technician's inbox; the second repair is accepted and the fault closes
    repair2 = _task(process, FaultRepairFlow.repair, STATUS.ASSIGNED)
    assert repair2.pk != repair.pk and repair2.owner == technician
    client.force_login(technician)
    page = client.get(_url(process, repair2, "execute/")).content.decode()
    assert "Still no signal" in page
    client.post(_url(process, repair2, "execute/"), {**REPAIR, "cost": "0"})
    verify2 = _task(process, FaultRepairFlow.verify, STATUS.ASSIGNED)
    client.force_login(agent)
    assert (
        client.post(_url(process, verify2, "execute/"), {"decision": "confirm"}).status_code == 302
    )

    fault.refresh_from_db()
    process.refresh_from_db()
    assert fault.status == FaultStatus.CLOSED and fault.closed_by == agent
    assert process.status == STATUS.DONE
    downtime = Downtime.objects.get(fault=fault)
    assert downtime.ended_at == fault.restored_at
    nodes = [t.flow_task.name for t in process.task_set.order_by("pk")]
    assert nodes == [
        "start",
        "triage",
        "triage__timeout",
        "repair",
        "repair__timeout",
        "verify",
        "check_verified",
        "repair",
        "repair__timeout",
        "verify",
        "check_verified",
        "end",
    ]
    assert client.get(f"/faults/{process.pk}/").status_code == 200


@pytest.mark.django_db
def test_technician_takes_a_fault_from_the_queue_for_themselves_only(client, users, site, lead):
    _report(client, users[Role.SALES], site)
    process = FaultRepairProcess.objects.get()
    triage = _task(process, FaultRepairFlow.triage)
    technician = users[Role.TECHNICAL]
    client.force_login(technician)
    assert client.post(_url(process, triage, "assign/")).status_code == 302
    # Assigning to someone else is refused (not in the choices) and nothing changes
    refused = client.post(
        _url(process, triage, "execute/"), {"severity": "major", "technician": str(lead.pk)}
    )
    assert refused.status_code == 200
    fault = Fault.objects.get()
    assert fault.status == FaultStatus.REPORTED and fault.assigned_to is None
    ok = client.post(
        _url(process, triage, "execute/"), {"severity": "major", "technician": str(technician.pk)}
    )
    assert ok.status_code == 302
    fault.refresh_from_db()
    assert fault.assigned_to == technician


@pytest.mark.django_db
def test_lead_verifies_when_the_technician_reported_it(client, users, site, lead):
    technician = users[Role.TECHNICAL]
    _report(client, technician, site, service_down="")
    process = FaultRepairProcess.objects.get()
    fault = process.fault
    assert not fault.downtimes.exists()
    client.force_login(lead)
    triage = _task(process, FaultRepairFlow.triage)
    client.post(_url(process, triage, "assign/"))
    client.post(
        _url(process, triage, "execute/"),
        {"severity": "minor", "technician": str(technician.pk)},
    )
    client.force_login(technician)
    client.post(_url(process, _task(process, FaultRepairFlow.repair), "execute/"), REPAIR)
    verify = _task(process, FaultRepairFlow.verify)
    assert verify.owner is None  # the repairer does not verify their own work: leads' queue
    client.post(_url(process, verify, "assign/"))
    verify.refresh_from_db()
    assert verify.owner is None
    client.force_login(lead)
    assert "Mbezi" in client.get("/faults/queue/").content.decode()
    client.post(_url(process, verify, "assign/"))
    client.post(_url(process, verify, "execute/"), {"decision": "confirm"})
    fault.refresh_from_db()
    assert fault.status == FaultStatus.CLOSED and fault.closed_by == lead


@pytest.mark.django_db
def test_assigning_to_a_non_technician_is_refused_and_changes_nothing(client, users, site, lead):
    _report(client, users[Role.AGENT], site)
    process = FaultRepairProcess.objects.get()
    triage = _task(process, FaultRepairFlow.triage)
    client.force_login(users[Role.SUPER_ADMIN])
    client.post(_url(process, triage, "assign/"))
    response = client.post(
        _url(process, triage, "execute/"),
        {"severity": "major", "technician": str(users[Role.FINANCE].pk)},
    )
    assert response.status_code == 200
    fault = Fault.objects.get()
    assert fault.status == FaultStatus.REPORTED and fault.assigned_to is None
    triage.refresh_from_db()
    assert triage.status == STATUS.ASSIGNED
    assert not RepairLog.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "role,allowed",
    [
        (Role.SUPER_ADMIN, True),
        (Role.TECHNICAL, True),
        (Role.SALES, True),
        (Role.MARKETING, True),
        (Role.FINANCE, True),
        (Role.AGENT, True),
    ],
)
def test_every_role_may_report(client, users, role, allowed, site):
    client.force_login(users[role])
    assert (client.get("/faults/start/").status_code == 200) == allowed


@pytest.mark.django_db
def test_agent_sees_only_faults_of_their_sites(client, users, site, make_site):
    other = make_site(name="Elsewhere", code="ELS-1")
    _report(client, users[Role.SALES], other, description="Elsewhere broken")
    _report(client, users[Role.SALES], site, description="Mbezi broken")
    client.force_login(users[Role.AGENT])
    listing = client.get("/faults/", follow=True).content.decode()
    elsewhere = FaultRepairProcess.objects.get(data__fault_id=str(Fault.objects.get(site=other).pk))
    assert client.get(f"/faults/{elsewhere.pk}/").status_code == 403
    assert "Elsewhere broken" not in listing
