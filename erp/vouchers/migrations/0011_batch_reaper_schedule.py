"""Beat schedule of the batch reaper (every minute): batch jobs whose worker died are queued
again. Editable in the admin under Periodic tasks.

The grants and schedules this migration made are code now: the role matrix in
erp/accounts/roles.py and the jobs in erp/core/schedules.py, applied after every migrate by
`manage.py sync_roles_and_schedules`. The migration stays, empty, so the history is unchanged.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("vouchers", "0010_batch_heartbeat"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = []
