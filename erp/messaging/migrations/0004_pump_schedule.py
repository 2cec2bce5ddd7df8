"""Beat schedule of the SMS pumps (every minute): gateways with due messages (a retry whose
time has come, a pump whose worker died) are pumped again. Editable in the admin under
Periodic tasks.

The job is in erp/core/schedules.py now, created after migrate by
`manage.py sync_roles_and_schedules`; this migration stays, empty, so later migrations keep
their dependency.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("messaging", "0003_router_lte_gateway"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = []
