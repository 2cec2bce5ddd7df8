"""Drift compares every attribute we set, runs daily (beat), and tells people (issue 14 item 5).

Against the RouterOS simulator over TCP: a password, limits and a comment changed by hand on the
router are found, repaired, and the router ends as the database says.
"""

from __future__ import annotations

import pytest
from django_celery_beat.models import PeriodicTask

from erp.accounts.roles import Role
from erp.mikrotik.models import RouterJob
from erp.mikrotik.services import (
    HotspotUserSpec,
    find_drift,
    push_pending_users,
    queue_hotspot_users,
    repair_drift,
)
from erp.mikrotik.tasks import check_all_drift
from erp.notifications.models import Notification
from tests.router_fixtures import sim_users


def _by_name(simulator, simulated) -> dict[str, dict]:
    return {u["name"]: u for u in sim_users(simulator, simulated)}


def _hand_edit(simulator, simulated, name: str, **attrs: str) -> None:
    """What someone at the router's console does: change a user behind our back."""
    simulator.call(lambda: simulated.state.users.set(name, attrs))


@pytest.fixture
def pushed(sim_router):
    router, simulated = sim_router()
    queue_hotspot_users(
        router,
        [
            HotspotUserSpec(name=f"V{i}", password=f"pw{i}", limit_uptime=3600, comment="stock")
            for i in range(5)
        ],
    )
    push_pending_users(router)
    return router, simulated


@pytest.mark.django_db
def test_drift_finds_and_repairs_password_limits_and_comment(pushed, simulator):
    router, simulated = pushed
    assert find_drift(router).clean
    _hand_edit(simulator, simulated, "V0", password="changed")
    _hand_edit(simulator, simulated, "V1", **{"limit-uptime": "2h"})
    _hand_edit(simulator, simulated, "V2", **{"limit-bytes-total": "1000000"})
    _hand_edit(simulator, simulated, "V3", comment="edited by hand")
    report = find_drift(router)
    assert report.password_differs == ["V0"]
    assert report.limits_differ == ["V1", "V2"]
    assert report.comment_differs == ["V3"]
    assert report.differing == ["V0", "V1", "V2", "V3"] and not report.clean

    before, push = repair_drift(router)
    assert before.password_differs == ["V0"] and push.updated == 4 and push.failed == 0
    assert find_drift(router).clean
    users = _by_name(simulator, simulated)
    assert users["V0"]["password"] == "pw0"
    assert users["V1"]["limit-uptime"] == "1h" and users["V2"]["limit-bytes-total"] == "0"
    assert users["V3"]["comment"] == "stock"


@pytest.mark.django_db
def test_the_daily_drift_check_is_scheduled():
    task = PeriodicTask.objects.get(name="Router drift check (daily)")
    assert task.task == "erp.mikrotik.tasks.check_all_drift" and task.enabled
    assert (task.crontab.hour, task.crontab.minute) == ("3", "30")


@pytest.mark.django_db
def test_the_daily_check_repairs_and_notifies_who_operates_the_router(
    pushed, simulator, users, client, eager_celery, settings
):
    router, simulated = pushed
    _hand_edit(simulator, simulated, "V4", password="hand")
    settings.ROUTER_DRIFT_AUTO_REPAIR = True
    assert check_all_drift() == 1
    job = RouterJob.objects.get(router=router, kind="drift_repair")
    assert job.status == "done" and job.requested_by is None
    assert job.result["before"]["password_differs"] == ["V4"]
    assert job.result["after"]["clean"] is True
    assert _by_name(simulator, simulated)["V4"]["password"] == "pw4"

    told = Notification.objects.filter(text__contains=router.name)
    assert {n.user.username for n in told} == {
        users[Role.TECHNICAL].username,
        users[Role.SUPER_ADMIN].username,
    }
    note = told.first()
    assert "Password differs: 1" in note.text and "1 updated" in note.text
    assert note.url == f"/network/router/{router.pk}/job/{job.pk}/"

    client.force_login(users[Role.TECHNICAL])
    page = " ".join(client.get(f"/network/router/{router.pk}/detail/").content.decode().split())
    assert "Last drift check" in page and "1 difference found, repaired" in page
    shown = " ".join(client.get(note.url).content.decode().split())
    assert "Password differs" in shown and "V4" in shown and "No drift" in shown

    # a clean router: checked, nobody bothered
    Notification.objects.all().delete()
    check_all_drift()
    assert RouterJob.objects.filter(router=router, kind="drift_repair").count() == 2
    assert not Notification.objects.exists()


@pytest.mark.django_db
def test_report_only_mode_leaves_the_router_alone(pushed, simulator, eager_celery, settings):
    router, simulated = pushed
    _hand_edit(simulator, simulated, "V1", comment="hand")
    settings.ROUTER_DRIFT_AUTO_REPAIR = False
    check_all_drift()
    job = RouterJob.objects.get(router=router)
    assert job.kind == "drift_check" and job.result["comment_differs"] == ["V1"]
    assert _by_name(simulator, simulated)["V1"]["comment"] == "hand"
    assert Notification.objects.filter(text__contains="has drifted").exists()
