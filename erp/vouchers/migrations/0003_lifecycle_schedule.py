"""Beat schedule of the voucher lifecycle sweep (first logins → active, validity over →
expired and disabled on the router), every 5 minutes; editable in the admin."""

from django.db import migrations

NAME = "Voucher lifecycle (activate, expire)"


def schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    interval, _ = IntervalSchedule.objects.get_or_create(every=300, period="seconds")
    PeriodicTask.objects.get_or_create(
        name=NAME,
        defaults={"task": "erp.vouchers.tasks.sweep_lifecycle", "interval": interval},
    )


def unschedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("vouchers", "0002_voucher_permissions"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(schedule, unschedule)]
