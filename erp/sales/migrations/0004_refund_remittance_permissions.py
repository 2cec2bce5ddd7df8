"""Refunds and remittances: Finance and Super Admin record them; agents read their own.

The grants and schedules this migration made are code now: the role matrix in
erp/accounts/roles.py and the jobs in erp/core/schedules.py, applied after every migrate by
`manage.py sync_roles_and_schedules`. The migration stays, empty, so the history is unchanged.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("sales", "0003_refunds_and_remittances"), ("accounts", "0003_seed_roles")]

    operations = []
