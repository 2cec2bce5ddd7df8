"""SLA: a fault not resolved in time is escalated once (leads and Super Admins notified, the
fault and its open task flagged) by viewflow's timer boundary, fired by the beat sweep."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.utils import timezone
from viewflow.workflow.status import STATUS

from erp.accounts.roles import Role
from erp.maintenance.models import Fault
from erp.notifications.models import Notification
from workflows.fault_repair import services as process_services
from workflows.fault_repair.flows import FaultRepairFlow
from workflows.fault_repair.models import FaultRepairProcess
from workflows.tasks import fire_workflow_timers


@pytest.fixture
def lead(make_user):
    user = make_user(Role.TECHNICAL, username="lead", email="lead@example.com")
    user.user_permissions.add(Permission.objects.get(codename="triage_fault"))
    return type(user).objects.get(pk=user.pk)


@pytest.mark.django_db
def test_an_overdue_fault_escalates_once_and_the_process_still_completes(
    client, users, lead, make_site, smtp_server, django_capture_on_commit_callbacks, settings
):
    settings.MAINTENANCE_SLA_HOURS = {"critical": 4, "major": 24, "minor": 72}
    admin, technician = users[Role.SUPER_ADMIN], users[Role.TECHNICAL]
    admin.email = "boss@example.com"
    admin.save()
    site = make_site(name="Kigamboni", code="DAR-KGB")
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        fault = process_services.report(
            actor=users[Role.SALES], site=site, severity="critical", description="Mast down"
        )
        assert fault.due_at == start + timedelta(hours=4)
        process_services.triage(actor=lead, fault=fault, technician=technician)
        process = FaultRepairProcess.objects.get()
        repair = process.task_set.get(flow_task=FaultRepairFlow.repair)
        timer = process.task_set.get(flow_task=FaultRepairFlow.repair__timeout)
        assert timer.status == STATUS.SCHEDULED and timer.scheduled == fault.due_at

        # One minute before the deadline nothing happens
        clock.move_to(start + timedelta(hours=3, minutes=59))
        with django_capture_on_commit_callbacks(execute=True):
            fire_workflow_timers()
        fault.refresh_from_db()
        assert fault.escalated_at is None and not smtp_server

        # One minute after it, the sweep escalates: flagged, leads and Super Admin told
        clock.move_to(start + timedelta(hours=4, minutes=1))
        with django_capture_on_commit_callbacks(execute=True):
            assert fire_workflow_timers() == 1
        fault.refresh_from_db()
        assert fault.escalated_at == start + timedelta(hours=4, minutes=1)
        # one e-mail each, through a real SMTP server on loopback
        assert sorted(m.recipients[0] for m in smtp_server) == [
            "boss@example.com",
            "lead@example.com",
        ]
        assert "SLA missed" in smtp_server[0].subject and "Kigamboni" in smtp_server[0].subject
        assert f"/faults/{process.pk}/" in smtp_server[0].body
        notified = Notification.objects.filter(url=f"/faults/{process.pk}/")
        assert set(notified.values_list("user", flat=True)) == {lead.pk, admin.pk}
        repair.refresh_from_db()
        assert repair.status == STATUS.ASSIGNED and repair.data.get("escalated") is True
        nodes = {t.flow_task.name: t.status for t in process.task_set.all()}
        assert nodes["escalate"] == STATUS.DONE and nodes["escalated"] == STATUS.DONE

        # The inbox shows it overdue and escalated
        client.force_login(technician)
        inbox = client.get("/faults/inbox/").content.decode()
        assert "overdue 1 min" in inbox and "escalated" in inbox

        # Later sweeps do not escalate again, and the repair still completes the process
        clock.move_to(start + timedelta(hours=9))
        with django_capture_on_commit_callbacks(execute=True):
            fire_workflow_timers()
        assert len(smtp_server) == 2 and notified.count() == 2
        process_services.repair(
            actor=technician, fault=fault, diagnosis="d", actions="a", minutes_spent=30
        )
        # the verify step's timer is not armed: the service is restored, SLA met or not
        process_services.verify(actor=users[Role.SALES], fault=fault, confirm=True)
        fire_workflow_timers()
        process.refresh_from_db()
        assert process.status == STATUS.DONE
        assert Fault.objects.get().escalated_at == start + timedelta(hours=4, minutes=1)


@pytest.mark.django_db
def test_a_fault_resolved_in_time_never_escalates(users, lead, make_site, smtp_server):
    technician = users[Role.TECHNICAL]
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        fault = process_services.report(
            actor=users[Role.SALES], site=make_site(), severity="minor", description="Slow"
        )
        process_services.triage(actor=lead, fault=fault, technician=technician)
        process_services.repair(
            actor=technician, fault=fault, diagnosis="d", actions="a", minutes_spent=5
        )
        clock.move_to(start + timedelta(days=10))
        assert fire_workflow_timers() == 0
    fault.refresh_from_db()
    assert fault.escalated_at is None and not smtp_server
