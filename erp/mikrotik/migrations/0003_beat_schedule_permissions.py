"""Let Super Admin edit the beat schedules (Periodic tasks in the admin): the polling intervals
of routers are the staff's to change."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

MODELS = ["periodictask", "intervalschedule", "crontabschedule", "solarschedule", "clockedschedule"]


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="Super Admin")
    group.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="django_celery_beat", content_type__model__in=MODELS
        )
    )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name="Super Admin").first()
    if group is not None:
        group.permissions.remove(
            *Permission.objects.filter(content_type__app_label="django_celery_beat")
        )


class Migration(migrations.Migration):
    dependencies = [("mikrotik", "0002_permissions_and_schedules")]

    operations = [migrations.RunPython(grant, revoke)]
