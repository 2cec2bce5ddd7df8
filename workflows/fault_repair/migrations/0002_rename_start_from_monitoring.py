"""The start node `start_from_monitoring` is `start_with_fault`: it also starts faults that a
person reported. viewflow stores the node by name in each task row, so the rows follow."""

from django.db import migrations

OLD = "fault_repair/flows.FaultRepairFlow.start_from_monitoring"
NEW = "fault_repair/flows.FaultRepairFlow.start_with_fault"


def forwards(apps, schema_editor):
    apps.get_model("viewflow", "Task").objects.filter(flow_task=OLD).update(flow_task=NEW)


def backwards(apps, schema_editor):
    apps.get_model("viewflow", "Task").objects.filter(flow_task=NEW).update(flow_task=OLD)


class Migration(migrations.Migration):
    dependencies = [
        ("fault_repair", "0001_fault_repair_process"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
