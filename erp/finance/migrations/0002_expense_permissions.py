"""Finance and Super Admin record and approve expenses."""

from django.db import migrations

from erp.core.migration_permissions import grant_operation

GRANTS = {
    "Super Admin": ["finance.add_expense", "finance.change_expense", "finance.view_expense"],
    "Finance": ["finance.add_expense", "finance.change_expense", "finance.view_expense"],
}


class Migration(migrations.Migration):
    dependencies = [("finance", "0001_expenses"), ("accounts", "0003_seed_roles")]

    operations = [grant_operation(GRANTS)]
