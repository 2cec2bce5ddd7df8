"""Beat schedule of the modems' inbox reading (every minute): inbound SMS, STOP/ACHA.

The job is in erp/core/schedules.py now, created after migrate by
`manage.py sync_roles_and_schedules`; this migration stays, empty, so later migrations keep
their dependency.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("messaging", "0005_reminder_schedule"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = []
