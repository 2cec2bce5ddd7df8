"""Beat schedule of the weekly warranty notice (Mondays 07:00); editable in the admin.

The grants and schedules this migration made are code now: the role matrix in
erp/accounts/roles.py and the jobs in erp/core/schedules.py, applied after every migrate by
`manage.py sync_roles_and_schedules`. The migration stays, empty, so the history is unchanged.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("assets", "0003_asset_permissions"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = []
