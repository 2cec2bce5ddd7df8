"""Seed the six ViorNet roles as groups with their permissions.

The matrix is frozen here as it stood when this migration was written; later apps add their
permissions to roles in their own data migrations. tests/erp/accounts/test_roles.py holds the
expected matrix and fails if this and the code drift apart.

The grants and schedules this migration made are code now: the role matrix in
erp/accounts/roles.py and the jobs in erp/core/schedules.py, applied after every migrate by
`manage.py sync_roles_and_schedules`. The migration stays, empty, so the history is unchanged.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_user_site_scope"),
        ("sites", "0001_initial"),
        ("clients", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = []
