"""Beat schedule of the voucher lifecycle sweep (first logins → active, validity over →
expired and disabled on the router), every 5 minutes; editable in the admin.

The grants and schedules this migration made are code now: the role matrix in
erp/accounts/roles.py and the jobs in erp/core/schedules.py, applied after every migrate by
`manage.py sync_roles_and_schedules`. The migration stays, empty, so the history is unchanged.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("vouchers", "0002_voucher_permissions"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = []
