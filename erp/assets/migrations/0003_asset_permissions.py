"""Technical manages assets; Finance sees them and their value; Super Admin does everything.
Agents, Sales and Marketing get nothing.

The grants and schedules this migration made are code now: the role matrix in
erp/accounts/roles.py and the jobs in erp/core/schedules.py, applied after every migrate by
`manage.py sync_roles_and_schedules`. The migration stays, empty, so the history is unchanged.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("assets", "0002_seed_asset_types"), ("accounts", "0003_seed_roles")]

    operations = []
