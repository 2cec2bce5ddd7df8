"""Finance and Super Admin record and approve expenses."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GRANTS = {
    "Super Admin": ["finance.add_expense", "finance.change_expense", "finance.view_expense"],
    "Finance": ["finance.add_expense", "finance.change_expense", "finance.view_expense"],
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
        group.permissions.remove(*Permission.objects.filter(content_type__app_label="finance"))


class Migration(migrations.Migration):
    dependencies = [("finance", "0001_expenses"), ("accounts", "0003_seed_roles")]

    operations = [migrations.RunPython(grant, revoke)]
