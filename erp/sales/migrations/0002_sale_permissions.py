"""Who may sell and see sales: agents sell their own stock; Sales sell at a desk; Finance and
Super Admin read everything; discounts are Super Admin's and Sales'."""

from django.db import migrations

from erp.core.migration_permissions import grant_operation

GRANTS = {
    "Super Admin": [
        "sales.add_sale",
        "sales.view_sale",
        "sales.give_discount",
        "sales.add_commissionrule",
        "sales.change_commissionrule",
        "sales.view_commissionrule",
    ],
    "Sales": ["sales.add_sale", "sales.view_sale", "sales.give_discount"],
    "Agent": ["sales.add_sale", "sales.view_sale"],
    "Finance": [
        "sales.view_sale",
        "sales.add_commissionrule",
        "sales.change_commissionrule",
        "sales.view_commissionrule",
    ],
    "Marketing": ["sales.view_sale"],
}


class Migration(migrations.Migration):
    dependencies = [("sales", "0001_sales"), ("accounts", "0003_seed_roles")]

    operations = [grant_operation(GRANTS)]
