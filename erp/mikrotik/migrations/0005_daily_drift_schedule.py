"""The daily drift check of every router (03:30 local) is a periodic job in
erp/core/schedules.py, created after migrate by `manage.py sync_roles_and_schedules`; this
migration stays, empty, so the history is unchanged."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("mikrotik", "0004_router_jobs"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = []
