"""The technician's fault inbox on a 360 px phone: assigned and queued tasks with site,
severity and SLA time left, no sideways scrolling; the screenshots are kept as artifacts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone

from erp.accounts.roles import Role
from erp.maintenance import services as maintenance
from erp.maintenance.models import Fault
from tests.browser.helpers import login
from workflows.fault_repair import services as process
from workflows.fault_repair.flows import FaultRepairFlow
from workflows.fault_repair.models import FaultRepairProcess

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _no_sideways_scroll(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"page is {width}px wide on a 360px screen"


def test_technician_inbox_on_a_360px_phone(page_for, shot, make_user, make_site):
    lead = make_user(Role.TECHNICAL, "neema")
    lead.user_permissions.add(Permission.objects.get(codename="triage_fault"))
    technician = make_user(Role.TECHNICAL, "juma")
    reporter = make_user(Role.SALES, "asha")
    mbezi = make_site(name="Mbezi Beach", code="DAR-MBZ")
    kariakoo = make_site(name="Kariakoo Market", code="DAR-KKO")
    tegeta = make_site(name="Tegeta", code="DAR-TGT")

    # Assigned to juma, overdue and escalated
    late = process.report(
        actor=reporter,
        site=mbezi,
        severity="critical",
        description="Mast router dead after the storm",
        service_down=True,
    )
    process.triage(actor=lead, fault=late, technician=technician)
    Fault.objects.filter(pk=late.pk).update(due_at=timezone.now() - timedelta(minutes=95))
    maintenance.escalate_fault(fault=late)
    # Assigned to juma, in time
    ok = process.report(
        actor=reporter, site=kariakoo, severity="major", description="Access point reboots"
    )
    process.triage(actor=lead, fault=ok, technician=technician)
    # Waiting in the queue: juma may take it
    process.report(actor=reporter, site=tegeta, severity="minor", description="Slow at night")

    page = page_for(width=360, height=740)
    login(page, technician.username)
    page.goto(f"{page.base}/faults/inbox/")
    body = page.inner_text("main")
    for text in ("Mbezi Beach", "Kariakoo Market", "Tegeta", "Critical", "Major", "Minor"):
        assert text in body, text
    assert "overdue 1 h 35 min" in body and "escalated" in body
    assert "23 h 59 min left" in body or "23 h 58 min left" in body
    assert body.count("mine") == 2 and body.count("queue") >= 1
    _no_sideways_scroll(page)
    shot(page, "fault-inbox-360")

    # The repair page a technician fills in the field also fits
    proc = FaultRepairProcess.objects.get(data__fault_id=str(late.pk))
    task = proc.task_set.get(flow_task=FaultRepairFlow.repair)
    page.goto(f"{page.base}/faults/{proc.pk}/repair/{task.pk}/execute/")
    assert "Mast router dead after the storm" in page.inner_text("main")
    _no_sideways_scroll(page)
    shot(page, "fault-repair-task-360")

    # So does the report form (any staff member or agent, on a phone)
    page.goto(f"{page.base}/faults/start/")
    assert "Report a fault" in page.inner_text("main")
    _no_sideways_scroll(page)
    shot(page, "fault-report-360")
    assert page.console_errors == []
