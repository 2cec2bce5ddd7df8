"""The role matrix and the periodic jobs are code; one idempotent command (also run after every
migrate) brings the database in line, keeping the staff's edits to schedules."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from erp.accounts.roles import ROLE_PERMISSIONS, Role
from erp.accounts.services import sync_roles
from erp.core.schedules import JOBS, Job, sync_schedules


def _run() -> str:
    out = StringIO()
    call_command("sync_roles_and_schedules", stdout=out)
    return out.getvalue()


def _held(role: str) -> set[str]:
    return {
        f"{app}.{code}"
        for app, code in Group.objects.get(name=role).permissions.values_list(
            "content_type__app_label", "codename"
        )
    }


@pytest.mark.django_db
def test_migrate_left_every_role_and_job_as_the_code_says():
    for role, perms in ROLE_PERMISSIONS.items():
        assert _held(role) == set(perms), role
    jobs = dict(PeriodicTask.objects.values_list("name", "task"))
    for job in JOBS:
        assert jobs.get(job.name) == job.task
    assert "already match" in _run()


def test_every_job_names_a_registered_celery_task():
    from erp.celery import app

    app.loader.import_default_modules()
    missing = [job.task for job in JOBS if job.task not in app.tasks]
    assert not missing


@pytest.mark.django_db
def test_a_drifted_role_is_brought_back_exactly():
    sales = Group.objects.get(name=Role.SALES)
    sales.permissions.remove(Permission.objects.get(codename="view_client"))
    Group.objects.get(name=Role.AGENT).permissions.add(
        Permission.objects.get(codename="delete_site")
    )
    Group.objects.get(name=Role.FINANCE).delete()
    said = _run()
    assert "role Finance created" in said
    assert "role Sales: 1 permission(s) granted" in said
    assert "role Agent: 1 permission(s) withdrawn" in said
    for role in (Role.SALES, Role.AGENT, Role.FINANCE):
        assert _held(role) == set(ROLE_PERMISSIONS[role])
    assert "already match" in _run()


@pytest.mark.django_db
def test_staff_edits_to_a_schedule_are_kept_and_a_deleted_job_returns():
    health = PeriodicTask.objects.get(name="Router health")
    slower, _ = IntervalSchedule.objects.get_or_create(every=600, period="seconds")
    health.interval = slower
    health.save()
    PeriodicTask.objects.filter(name="Router traffic").update(enabled=False)
    PeriodicTask.objects.filter(name="Deliver domain events").delete()
    said = _run()
    assert said.strip() == "job 'Deliver domain events' scheduled"
    assert PeriodicTask.objects.get(name="Router health").interval.every == 600
    assert PeriodicTask.objects.get(name="Router traffic").enabled is False
    assert PeriodicTask.objects.get(name="Deliver domain events").interval.every == 60


@pytest.mark.django_db
def test_a_moved_task_keeps_its_schedule():
    moved = (Job("Router health", "erp.mikrotik.tasks.poll_all_health_v2", every=60),)
    before = PeriodicTask.objects.get(name="Router health").interval_id
    assert sync_schedules(moved) == [
        "job 'Router health' now runs erp.mikrotik.tasks.poll_all_health_v2"
    ]
    task = PeriodicTask.objects.get(name="Router health")
    assert (task.task, task.interval_id) == ("erp.mikrotik.tasks.poll_all_health_v2", before)


@pytest.mark.django_db
def test_a_matrix_naming_a_missing_permission_is_refused_and_changes_nothing():
    before = _held(Role.AGENT)
    with pytest.raises(LookupError, match="sales.fly_to_the_moon"):
        sync_roles({Role.AGENT: frozenset({"sales.view_sale", "sales.fly_to_the_moon"})})
    assert _held(Role.AGENT) == before


def test_a_job_has_one_kind_of_schedule():
    with pytest.raises(ValueError):
        Job("x", "erp.core.tasks.deliver_due_events")
    with pytest.raises(ValueError):
        Job("x", "erp.core.tasks.deliver_due_events", every=60, crontab={"minute": "0"})
