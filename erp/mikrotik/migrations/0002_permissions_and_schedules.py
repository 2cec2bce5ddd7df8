"""Grant the router permissions to the roles, and create the beat schedules (editable by staff
under Periodic tasks in the admin).

The grants and schedules this migration made are code now: the role matrix in
erp/accounts/roles.py and the jobs in erp/core/schedules.py, applied after every migrate by
`manage.py sync_roles_and_schedules`. The migration stays, empty, so the history is unchanged.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("mikrotik", "0001_router_operations"),
        ("sites", "0002_router_operations"),
        ("accounts", "0003_seed_roles"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = []
