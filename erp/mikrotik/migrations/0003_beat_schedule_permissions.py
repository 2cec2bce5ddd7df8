"""Let Super Admin edit the beat schedules (Periodic tasks in the admin): the polling intervals
of routers are the staff's to change."""

from django.db import migrations

from erp.core.migration_permissions import grant_operation

MODELS = ["periodictask", "intervalschedule", "crontabschedule", "solarschedule", "clockedschedule"]


GRANTS = {
    "Super Admin": [
        f"django_celery_beat.{action}_{model}"
        for action in ("add", "change", "delete", "view")
        for model in MODELS
    ]
}


class Migration(migrations.Migration):
    dependencies = [("mikrotik", "0002_permissions_and_schedules")]

    operations = [grant_operation(GRANTS)]
