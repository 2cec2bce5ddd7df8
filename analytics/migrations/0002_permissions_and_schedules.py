"""Who sees which analytics page, and the beat jobs keeping the rollups fresh (editable by
staff under Periodic tasks in the admin)."""

from django.db import migrations

from erp.core.migration_permissions import grant_operation

GRANTS = {
    "Super Admin": ["analytics.view_analytics"],
    "Marketing": ["analytics.view_analytics"],
    "Finance": ["analytics.view_finance_analytics"],
    "Agent": ["analytics.view_own_analytics"],
}

INTERVALS = [
    # (name, task, every seconds)
    ("Refresh analytics rollups", "analytics.tasks.refresh_rollups", 300),
]
NIGHTLY = ("Rebuild analytics rollups", "analytics.tasks.rebuild_rollups", "30", "2")


def schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, task, seconds in INTERVALS:
        interval, _ = IntervalSchedule.objects.get_or_create(every=seconds, period="seconds")
        PeriodicTask.objects.get_or_create(
            name=name, defaults={"task": task, "interval": interval, "enabled": True}
        )
    name, task, minute, hour = NIGHTLY
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute=minute, hour=hour, day_of_week="*", day_of_month="*", month_of_year="*"
    )
    PeriodicTask.objects.get_or_create(
        name=name, defaults={"task": task, "crontab": crontab, "enabled": True}
    )


def unschedule(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name__in=[i[0] for i in INTERVALS] + [NIGHTLY[0]]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("analytics", "0001_rollups"),
        ("accounts", "0003_seed_roles"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        grant_operation(GRANTS),
        migrations.RunPython(schedule, unschedule),
    ]
