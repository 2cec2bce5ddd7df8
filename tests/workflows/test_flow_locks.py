"""Two people completing the same task at the same moment: the process lock (viewflow's
select-for-update lock on the process row) makes them take turns; one wins, the other is told
the task is done, and the process moves once. Real concurrent transactions on PostgreSQL."""

from __future__ import annotations

import threading
import time
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.db import connection
from viewflow.workflow.status import STATUS

from erp.accounts.roles import Role
from erp.maintenance import services as maintenance
from erp.maintenance.models import Fault
from erp.vouchers import services as voucher_services
from erp.vouchers.choices import BatchStatus
from erp.vouchers.models import VoucherBatch
from workflows.fault_repair import services as faults
from workflows.fault_repair.flows import FaultRepairFlow
from workflows.voucher_batch import services as batches
from workflows.voucher_batch.flows import VoucherBatchFlow

pytestmark = pytest.mark.django_db(transaction=True)


def _race(first, second, slow_target, attribute, monkeypatch):
    """Run ``first`` and ``second`` in two threads (two connections); the service both call is
    slowed while the first holds the lock, so the second arrives while it is held."""
    real = getattr(slow_target, attribute)

    def slow(*args, **kwargs):
        result = real(*args, **kwargs)
        time.sleep(0.5)
        return result

    monkeypatch.setattr(slow_target, attribute, slow)
    outcomes: dict[str, object] = {}

    def run(name, call):
        try:
            outcomes[name] = call()
        except ValidationError as exc:
            outcomes[name] = exc
        finally:
            connection.close()

    one = threading.Thread(target=run, args=("first", first))
    two = threading.Thread(target=run, args=("second", second))
    one.start()
    time.sleep(0.15)
    two.start()
    one.join(20)
    two.join(20)
    return outcomes


def test_two_leads_triaging_one_fault_at_once_one_wins(
    postgres_only, make_user, make_site, users, monkeypatch
):
    site = make_site()
    leads = []
    for name in ("lead1", "lead2"):
        lead = make_user(Role.TECHNICAL, username=name)
        lead.user_permissions.add(Permission.objects.get(codename="triage_fault"))
        leads.append(type(lead).objects.get(pk=lead.pk))
    fault = faults.report(
        actor=users[Role.SALES],
        site=site,
        severity="major",
        description="AP reboots",
    )
    technician = users[Role.TECHNICAL]

    outcomes = _race(
        lambda: faults.triage(actor=leads[0], fault=fault, technician=technician),
        lambda: faults.triage(actor=leads[1], fault=fault, technician=technician),
        maintenance,
        "triage_fault",
        monkeypatch,
    )

    assert isinstance(outcomes["first"], Fault)
    assert isinstance(outcomes["second"], ValidationError)
    assert outcomes["second"].messages == ["This fault is not waiting for that step."]
    process = faults.process_of(fault)
    triage = process.task_set.filter(flow_task=FaultRepairFlow.triage)
    assert [t.status for t in triage] == [STATUS.DONE]
    assert triage.get().owner == leads[0]
    assert process.task_set.filter(flow_task=FaultRepairFlow.repair).count() == 1


def test_two_finance_users_deciding_one_batch_at_once_one_wins(
    postgres_only, make_user, make_router, users, monkeypatch
):
    router = make_router()
    package = voucher_services.save_package(
        actor=users[Role.SUPER_ADMIN],
        name="1 Hour",
        price=Decimal("500"),
        validity_seconds=3600,
        rate_limit="2M/2M",
        sites=[router.site],
    )
    batch = voucher_services.request_batch(
        actor=users[Role.SALES], package=package, router=router, quantity=5
    )
    batches.start_process(batch)
    second_finance = make_user(Role.FINANCE, username="finance2")

    outcomes = _race(
        lambda: batches.decide(actor=users[Role.FINANCE], batch=batch, approve=True),
        lambda: batches.decide(
            actor=second_finance, batch=batch, approve=False, comment="too many"
        ),
        voucher_services,
        "decide_batch",
        monkeypatch,
    )

    assert isinstance(outcomes["first"], VoucherBatch)
    assert isinstance(outcomes["second"], ValidationError)
    assert outcomes["second"].messages == ["This batch is not waiting for a decision."]
    batch.refresh_from_db()
    assert batch.status != BatchStatus.REJECTED and batch.decided_by == users[Role.FINANCE]
    process = batches.process_of(batch)
    decide = process.task_set.filter(flow_task=VoucherBatchFlow.decide)
    assert [t.status for t in decide] == [STATUS.DONE]
