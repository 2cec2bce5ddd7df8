"""Grant the maintenance permissions to the roles, and schedule the SLA timer sweep.

Everyone reports faults (agents at their own sites). Technicians take, repair and record repair
logs; a repair's cost becomes a Repairs expense, so Technical may record expenses (above
EXPENSE_APPROVAL_THRESHOLD they still wait for Finance). Leads are whoever holds
``triage_fault``: Super Admin by role, a Technical user by an individual grant.

The grants and schedules this migration made are code now: the role matrix in
erp/accounts/roles.py and the jobs in erp/core/schedules.py, applied after every migrate by
`manage.py sync_roles_and_schedules`. The migration stays, empty, so the history is unchanged.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("maintenance", "0001_faults_repairs_downtime"),
        ("finance", "0002_expense_permissions"),
        ("accounts", "0003_seed_roles"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = []
