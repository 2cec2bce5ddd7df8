"""Card templates are Super Admin's to edit."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

PERMS = ["add_cardtemplate", "change_cardtemplate", "view_cardtemplate"]


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="Super Admin")
    group.permissions.add(
        *Permission.objects.filter(content_type__app_label="vouchers", codename__in=PERMS)
    )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name="Super Admin").first()
    if group is not None:
        group.permissions.remove(
            *Permission.objects.filter(content_type__app_label="vouchers", codename__in=PERMS)
        )


class Migration(migrations.Migration):
    dependencies = [("vouchers", "0005_card_templates")]

    operations = [migrations.RunPython(grant, revoke)]
