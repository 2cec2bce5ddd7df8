"""Refunds and remittances: Finance and Super Admin record them; agents read their own."""

from django.db import migrations

from erp.core.migration_permissions import grant_operation

GRANTS = {
    "Super Admin": [
        "sales.add_refund",
        "sales.view_refund",
        "sales.add_remittance",
        "sales.view_remittance",
    ],
    "Finance": [
        "sales.add_refund",
        "sales.view_refund",
        "sales.add_remittance",
        "sales.view_remittance",
    ],
    "Sales": ["sales.view_refund"],
    "Agent": ["sales.view_remittance"],
}


class Migration(migrations.Migration):
    dependencies = [("sales", "0003_refunds_and_remittances"), ("accounts", "0003_seed_roles")]

    operations = [grant_operation(GRANTS)]
