"""Triggers that write the change feed on every change to the records devices hold.

See erp/sync/triggers.py: vouchers (those an agent holds, and a tombstone for the old holder
when one moves), clients, sales, packages, faults; PostgreSQL and SQLite.
"""

from django.db import migrations

from erp.sync import triggers


def forward(apps, schema_editor):
    triggers.install(schema_editor)


def backward(apps, schema_editor):
    triggers.uninstall(schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("sync", "0001_devices_operations_changes_conflicts"),
        ("vouchers", "0011_batch_reaper_schedule"),
        ("clients", "0001_initial"),
        ("sales", "0008_request_hash_database_default"),
        ("maintenance", "0003_fault_assets_and_repair_parts"),
    ]

    operations = [migrations.RunPython(forward, backward)]
