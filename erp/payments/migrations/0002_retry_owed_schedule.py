"""The owed-payments sweep (every minute) is a periodic job in erp/core/schedules.py, created
after migrate by `manage.py sync_roles_and_schedules`; this migration stays, empty, so later
migrations keep their dependency."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("payments", "0001_payments"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = []
