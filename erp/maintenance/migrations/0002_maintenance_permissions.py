"""Grant the maintenance permissions to the roles, and schedule the SLA timer sweep.

Everyone reports faults (agents at their own sites). Technicians take, repair and record repair
logs; a repair's cost becomes a Repairs expense, so Technical may record expenses (above
EXPENSE_APPROVAL_THRESHOLD they still wait for Finance). Leads are whoever holds
``triage_fault``: Super Admin by role, a Technical user by an individual grant.
"""

from django.db import migrations

from erp.core.migration_permissions import grant_operation

REPORTER = ["maintenance.add_fault", "maintenance.view_fault", "maintenance.view_faultphoto"]
GRANTS = {
    "Super Admin": [
        *REPORTER,
        "maintenance.change_fault",
        "maintenance.triage_fault",
        "maintenance.add_repairlog",
        "maintenance.view_repairlog",
        "maintenance.view_downtime",
    ],
    "Technical": [
        *REPORTER,
        "maintenance.change_fault",
        "maintenance.add_repairlog",
        "maintenance.view_repairlog",
        "maintenance.view_downtime",
    ],
    "Finance": [*REPORTER, "maintenance.view_repairlog", "maintenance.view_downtime"],
    "Marketing": REPORTER,
    "Sales": REPORTER,
    "Agent": REPORTER,
}

SCHEDULES = [("Workflow timers (fault SLA)", "erp.maintenance.tasks.fire_workflow_timers", 60)]


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
        ("maintenance", "0001_faults_repairs_downtime"),
        ("finance", "0002_expense_permissions"),
        ("accounts", "0003_seed_roles"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [grant_operation(GRANTS), migrations.RunPython(schedule, unschedule)]
