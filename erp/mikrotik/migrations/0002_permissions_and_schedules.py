"""Grant the router permissions to the roles, and create the beat schedules (editable by staff
under Periodic tasks in the admin)."""

from django.db import migrations

from erp.core.migration_permissions import grant_operation

GRANTS = {
    "Super Admin": [
        "sites.operate_router",
        "mikrotik.add_hotspotprofile",
        "mikrotik.change_hotspotprofile",
        "mikrotik.delete_hotspotprofile",
        "mikrotik.view_hotspotprofile",
        "mikrotik.view_hotspotuser",
        "mikrotik.view_routerevent",
        "mikrotik.view_routersample",
    ],
    "Technical": [
        "sites.operate_router",
        "mikrotik.add_hotspotprofile",
        "mikrotik.change_hotspotprofile",
        "mikrotik.view_hotspotprofile",
        "mikrotik.view_hotspotuser",
        "mikrotik.view_routerevent",
        "mikrotik.view_routersample",
    ],
    "Sales": ["mikrotik.view_hotspotprofile", "mikrotik.view_routersample"],
    "Finance": ["mikrotik.view_routerevent", "mikrotik.view_routersample"],
}

SCHEDULES = [
    # (name, task, every seconds)
    ("Router health", "erp.mikrotik.tasks.poll_all_health", 60),
    ("Push pending hotspot users", "erp.mikrotik.tasks.push_all_pending", 60),
    ("Router active users and usage", "erp.mikrotik.tasks.poll_all_usage", 300),
    ("Router traffic", "erp.mikrotik.tasks.poll_all_traffic", 300),
    ("Prune old router samples", "erp.mikrotik.tasks.prune_router_samples", 86400),
]


def schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, task, seconds in SCHEDULES:
        interval, _ = IntervalSchedule.objects.get_or_create(every=seconds, period="seconds")
        PeriodicTask.objects.get_or_create(
            name=name, defaults={"task": task, "interval": interval, "enabled": True}
        )


def unschedule(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name__in=[s[0] for s in SCHEDULES]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("mikrotik", "0001_router_operations"),
        ("sites", "0002_router_operations"),
        ("accounts", "0003_seed_roles"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        grant_operation(GRANTS),
        migrations.RunPython(schedule, unschedule),
    ]
