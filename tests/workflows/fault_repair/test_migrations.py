"""The renamed start node: task rows stored under the old name still resolve after migrate."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from viewflow.workflow.models import Task

from workflows.fault_repair.flows import FaultRepairFlow

OLD = "fault_repair/flows.FaultRepairFlow.start_from_monitoring"
BEFORE = [("fault_repair", "0001_fault_repair_process")]
AFTER = [("fault_repair", "0002_rename_start_from_monitoring")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_tasks_stored_under_the_old_start_name_follow_the_rename():
    old_apps = _migrate(BEFORE)
    try:
        process_model = old_apps.get_model("viewflow", "Process")
        task_model = old_apps.get_model("viewflow", "Task")
        process = process_model.objects.create(
            flow_class="fault_repair/flows.FaultRepairFlow", status="NEW"
        )
        task = task_model.objects.create(process=process, flow_task=OLD, status="DONE")
        other = task_model.objects.create(
            process=process, flow_task="fault_repair/flows.FaultRepairFlow.triage", status="NEW"
        )
    finally:
        _migrate(AFTER)

    renamed = Task.objects.get(pk=task.pk)
    # The stored name now resolves to the node under its new name; other tasks are untouched.
    assert renamed.flow_task is FaultRepairFlow.start_with_fault
    assert Task.objects.get(pk=other.pk).flow_task is FaultRepairFlow.triage
