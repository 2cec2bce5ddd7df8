"""The workflow pages speak of the work, not of the engine (issue 23): one button named for
what is done, "Take" and "Give back", no BPMN diagram or cancel-the-process button for
people who only do the work, and lists of tasks that name the case."""

from __future__ import annotations

import re

import pytest

from erp.accounts.roles import Role
from workflows.fault_repair.flows import FaultRepairFlow
from workflows.fault_repair.models import FaultRepairProcess
from workflows.voucher_batch.models import VoucherBatchProcess

from .test_fault_repair_flow import REPAIR, _report, _task, _url, lead, site  # noqa: F401
from .test_voucher_batch_flow import _decide_task, _start, world  # noqa: F401

ENGINE_WORDS = ("Execute", "Assign and continue", "Start and continue", "Unassign", "BPMN")


def _buttons(html: str) -> list[str]:
    return [
        label.strip()
        for label in re.findall(r'<span class="mdc-button__label">([^<]*)</span>', html)
    ]


def _no_engine_words(html: str) -> None:
    for word in ENGINE_WORDS:
        assert word not in html, word


@pytest.mark.django_db
def test_the_fault_pages_say_what_the_person_does(client, users, lead, site):  # noqa: F811
    agent, technician, boss = users[Role.AGENT], users[Role.TECHNICAL], users[Role.SUPER_ADMIN]

    # Given an agent reports a fault: one "Report" button
    client.force_login(agent)
    start = client.get("/faults/start/").content.decode()
    assert _buttons(start) == ["Report"]
    _no_engine_words(start)
    assert _report(client, agent, site).status_code == 302
    process = FaultRepairProcess.objects.get()
    triage = _task(process, FaultRepairFlow.triage)

    # The lead takes the triage: the page offers "Take", once
    client.force_login(lead)
    take = client.get(_url(process, triage, "assign/")).content.decode()
    assert _buttons(take) == ["Take"]
    _no_engine_words(take)
    client.post(_url(process, triage, "assign/"))
    page = client.get(_url(process, triage, "execute/")).content.decode()
    assert _buttons(page) == ["Assign technician"]
    _no_engine_words(page)
    client.post(
        _url(process, triage, "execute/"),
        {"severity": "major", "technician": str(technician.pk)},
    )

    # The technician's repair page: "Mark repaired", no diagram, no engine fields
    repair = _task(process, FaultRepairFlow.repair)
    client.force_login(technician)
    page = client.get(_url(process, repair, "execute/")).content.decode()
    assert _buttons(page) == ["Mark repaired"]
    _no_engine_words(page)
    assert "/chart/" not in page and "Fault id" not in page
    detail = client.get(_url(process, repair, "detail/")).content.decode()
    assert _buttons(detail) == ["Open", "Give back"]
    assert "Next tasks" not in detail

    # The reporter follows the case: the steps people did, no SLA timers, no Cancel
    client.force_login(agent)
    case = client.get(f"/faults/{process.pk}/").content.decode()
    assert "Triage and assign" in case and "Repair" in case
    assert "SLA missed" not in case
    assert f"/faults/{process.pk}/cancel/" not in case and "/chart/" not in case
    _no_engine_words(case)

    # The Super Admin still sees the engine: the diagram, the timers and the Cancel button
    client.force_login(boss)
    case = client.get(f"/faults/{process.pk}/").content.decode()
    assert f"/faults/{process.pk}/cancel/" in case and "/chart/" in case
    assert "SLA missed" in case
    assert "/chart/" in client.get("/faults/").content.decode()
    client.force_login(technician)
    assert "/chart/" not in client.get("/faults/").content.decode()

    # The repair step's form still works under its new button
    assert client.post(_url(process, repair, "execute/"), REPAIR).status_code == 302


@pytest.mark.django_db
def test_the_approval_queue_names_the_batch(client, users, world):  # noqa: F811
    sales, finance = users[Role.SALES], users[Role.FINANCE]
    assert _start(client, sales, world, quantity=20).status_code == 302
    process = VoucherBatchProcess.objects.get()

    client.force_login(finance)
    queue = client.get("/batches/queue/").content.decode()
    batch = process.batch
    # the case in the first column, who asked in the next (issue 23: the batch inbox columns)
    assert f"20 × Week 5M @ {batch.router}</a>" in queue
    assert f"by {sales.get_full_name() or sales.username}" in queue
    page = client.get(f"/batches/{process.pk}/decide/{_decide_task(process).pk}/assign/")
    assert _buttons(page.content.decode()) == ["Take"]
