"""Who sees which analytics page, and the beat jobs keeping the rollups fresh (editable by
staff under Periodic tasks in the admin).

The grants and schedules this migration made are code now: the role matrix in
erp/accounts/roles.py and the jobs in erp/core/schedules.py, applied after every migrate by
`manage.py sync_roles_and_schedules`. The migration stays, empty, so the history is unchanged.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("analytics", "0001_rollups"),
        ("accounts", "0003_seed_roles"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = []
