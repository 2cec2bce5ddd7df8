"""seed_demo adds a technical lead and three faults at different steps, once."""

from io import StringIO

import pytest
from django.core.management import call_command

from erp.accounts.models import User
from erp.maintenance.choices import FaultStatus
from erp.maintenance.models import Downtime, Fault
from workflows.fault_repair.flows import FaultRepairFlow
from workflows.fault_repair.models import FaultRepairProcess


@pytest.mark.django_db
def test_seed_demo_adds_faults_idempotently(roles):
    out = StringIO()
    call_command("seed_demo", stdout=out)
    call_command("seed_demo", stdout=StringIO())
    assert "techlead" in out.getvalue()
    assert User.objects.get(username="techlead").has_perm("maintenance.triage_fault")
    statuses = sorted(Fault.objects.values_list("status", flat=True))
    assert statuses == sorted([FaultStatus.REPORTED, FaultStatus.ASSIGNED, FaultStatus.CLOSED])
    # (the proxy lists every process: the demo's support tickets have theirs too)
    assert FaultRepairProcess.objects.filter(flow_class=FaultRepairFlow).count() == 3
    assert Downtime.objects.filter(ended_at__isnull=False).count() == 1
    assert Fault.objects.get(status=FaultStatus.ASSIGNED).assigned_to.username == "technician"
