"""Beat schedule of the SMS pumps (every minute): gateways with due messages (a retry whose
time has come, a pump whose worker died) are pumped again. Editable in the admin under
Periodic tasks."""

from django.db import migrations

NAME = "Send due SMS"


def schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    interval, _ = IntervalSchedule.objects.get_or_create(every=60, period="seconds")
    PeriodicTask.objects.get_or_create(
        name=NAME, defaults={"task": "erp.messaging.tasks.pump_all", "interval": interval}
    )


def unschedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("messaging", "0003_router_lte_gateway"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(schedule, unschedule)]
