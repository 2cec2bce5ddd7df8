"""Who may sell and see sales: agents sell their own stock; Sales sell at a desk; Finance and
Super Admin read everything; discounts are Super Admin's and Sales'."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

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


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, perms in GRANTS.items():
        group, _ = Group.objects.get_or_create(name=role)
        for perm in perms:
            app_label, codename = perm.split(".")
            group.permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group in Group.objects.filter(name__in=GRANTS):
        group.permissions.remove(*Permission.objects.filter(content_type__app_label="sales"))


class Migration(migrations.Migration):
    dependencies = [("sales", "0001_sales"), ("accounts", "0003_seed_roles")]

    operations = [migrations.RunPython(grant, revoke)]
