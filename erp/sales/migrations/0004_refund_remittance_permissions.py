"""Refunds and remittances: Finance and Super Admin record them; agents read their own."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

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
    codenames = [p.split(".")[1] for perms in GRANTS.values() for p in perms]
    for group in Group.objects.filter(name__in=GRANTS):
        group.permissions.remove(
            *Permission.objects.filter(content_type__app_label="sales", codename__in=codenames)
        )


class Migration(migrations.Migration):
    dependencies = [("sales", "0003_refunds_and_remittances"), ("accounts", "0003_seed_roles")]

    operations = [migrations.RunPython(grant, revoke)]
