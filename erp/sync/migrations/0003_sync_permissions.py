"""The field app's permissions (agents and technicians sync; Finance settles the money
conflicts) are in the role matrix (erp/accounts/roles.py), applied after migrate by
`manage.py sync_roles_and_schedules`; this migration stays, empty, so later migrations keep
their dependency."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("sync", "0002_change_feed_triggers"), ("accounts", "0003_seed_roles")]

    operations = []
