"""Grant the voucher permissions to the roles (the matrix is in tests/erp/accounts)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GRANTS = {
    "Super Admin": [
        "vouchers.add_package",
        "vouchers.change_package",
        "vouchers.view_package",
        "vouchers.add_voucherbatch",
        "vouchers.change_voucherbatch",
        "vouchers.view_voucherbatch",
        "vouchers.change_voucher",
        "vouchers.view_voucher",
    ],
    "Sales": [
        "vouchers.view_package",
        "vouchers.add_voucherbatch",
        "vouchers.view_voucherbatch",
        "vouchers.change_voucher",
        "vouchers.view_voucher",
    ],
    "Marketing": [
        "vouchers.view_package",
        "vouchers.add_voucherbatch",
        "vouchers.view_voucherbatch",
        "vouchers.view_voucher",
    ],
    "Finance": [
        "vouchers.view_package",
        "vouchers.change_voucherbatch",
        "vouchers.view_voucherbatch",
        "vouchers.view_voucher",
    ],
    "Technical": ["vouchers.view_package"],
    "Agent": ["vouchers.view_package", "vouchers.view_voucher"],
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
        group.permissions.remove(*Permission.objects.filter(content_type__app_label="vouchers"))


class Migration(migrations.Migration):
    dependencies = [
        ("vouchers", "0001_vouchers"),
        ("accounts", "0003_seed_roles"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
