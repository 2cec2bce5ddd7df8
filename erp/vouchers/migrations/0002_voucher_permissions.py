"""Grant the voucher permissions to the roles (the matrix is in tests/erp/accounts).

The grants and schedules this migration made are code now: the role matrix in
erp/accounts/roles.py and the jobs in erp/core/schedules.py, applied after every migrate by
`manage.py sync_roles_and_schedules`. The migration stays, empty, so the history is unchanged.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("vouchers", "0001_vouchers"),
        ("accounts", "0003_seed_roles"),
    ]

    operations = []
