"""Finance and Super Admin schedule exports and download their runs.

The grants and schedules this migration made are code now: the role matrix in
erp/accounts/roles.py and the jobs in erp/core/schedules.py, applied after every migrate by
`manage.py sync_roles_and_schedules`. The migration stays, empty, so the history is unchanged.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("finance", "0003_scheduled_exports"), ("accounts", "0003_seed_roles")]

    operations = []
