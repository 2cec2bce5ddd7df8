"""The field app syncs for agents and technicians; Finance settles the money conflicts."""

from django.db import migrations

from erp.core.migration_permissions import grant_operation

GRANTS = {
    "Agent": ["sync.use_field_app"],
    "Technical": ["sync.use_field_app"],
    "Finance": ["sync.view_conflict", "sync.change_conflict"],
    "Super Admin": ["sync.view_conflict", "sync.change_conflict", "sync.view_device"],
}


class Migration(migrations.Migration):
    dependencies = [("sync", "0002_change_feed_triggers"), ("accounts", "0003_seed_roles")]

    operations = [grant_operation(GRANTS)]
