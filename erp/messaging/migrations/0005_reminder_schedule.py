"""Beat schedule of the access-ending reminders (every 15 minutes; quiet hours are kept by
the task itself). Editable in the admin under Periodic tasks.

The job is in erp/core/schedules.py now, created after migrate by
`manage.py sync_roles_and_schedules`; this migration stays, empty, so later migrations keep
their dependency.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("messaging", "0004_pump_schedule"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = []
