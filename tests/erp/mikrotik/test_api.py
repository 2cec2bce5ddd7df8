"""Router operations over the API: who may, what they get, and a failing router's answer."""

from __future__ import annotations

import pytest

from erp.accounts.roles import Role
from erp.mikrotik.client import UNREACHABLE
from erp.mikrotik.models import HotspotProfile, HotspotUser
from erp.mikrotik.services import HotspotUserSpec, push_pending_users, queue_hotspot_users
from tests.router_fixtures import ROUTER_PASSWORD, sim_users


@pytest.fixture
def job(eager_celery, django_capture_on_commit_callbacks):
    """Start an operation (202 + status URL), let the worker run it (eagerly, on commit), and
    poll its status URL once: the job as a client reads it."""

    def go(client, method: str, url: str, data=None) -> dict:
        with django_capture_on_commit_callbacks(execute=True):
            response = getattr(client, method)(url, data or {}, format="json")
        assert response.status_code == 202, response.content
        body = response.json()
        assert response["Location"] == body["status_url"] and body["status"] == "queued"
        polled = client.get(body["status_url"])
        assert polled.status_code == 200
        return polled.json()

    return go


@pytest.mark.django_db
@pytest.mark.parametrize(
    "role,allowed",
    [
        (Role.SUPER_ADMIN, True),
        (Role.TECHNICAL, True),
        (Role.SALES, False),
        (Role.FINANCE, False),
        (Role.MARKETING, False),
        (Role.AGENT, False),
    ],
)
def test_operations_need_the_operate_permission(role, allowed, users, api, sim_router, job):
    router, _ = sim_router()
    if allowed:
        done = job(api(users[role]), "post", f"/api/v1/routers/{router.pk}/test/")
        assert done["status"] == "done" and done["kind"] == "test"
        body = done["result"]
        assert body["ok"] is True and body["identity"] == router.name
        assert body["version"].startswith("7.")
    else:
        response = api(users[role]).post(f"/api/v1/routers/{router.pk}/test/")
        assert response.status_code in (403, 404)
        router.refresh_from_db()
        assert router.last_seen_at is None  # nothing was done


@pytest.mark.django_db
def test_unreachable_router_fails_the_job_with_a_safe_message(
    api, users, sim_router, simulator, job
):
    router, simulated = sim_router()
    name = next(n for n, r in simulator.routers.items() if r is simulated)
    simulator.stop_router(name)
    client = api(users[Role.TECHNICAL])
    tested = job(client, "post", f"/api/v1/routers/{router.pk}/test/")
    report = tested["result"]
    assert tested["status"] == "failed" and tested["error"] == UNREACHABLE
    assert report["ok"] is False and report["error"] == UNREACHABLE and "detail" not in report
    drift = job(client, "get", f"/api/v1/routers/{router.pk}/drift/")
    assert drift["status"] == "failed" and drift["error"] == UNREACHABLE
    assert drift["result"] is None and ROUTER_PASSWORD not in str(drift)


@pytest.mark.django_db
def test_a_job_is_seen_only_by_who_may_operate_that_router(
    api, users, make_user, sim_router, make_site, job
):
    router, _ = sim_router()
    done = job(api(users[Role.TECHNICAL]), "post", f"/api/v1/routers/{router.pk}/test/")
    url = f"/api/v1/router-jobs/{done['id']}/"
    assert api(users[Role.FINANCE]).get(url).status_code == 403
    other_site = make_user(Role.TECHNICAL, site_scope=[make_site()])
    assert api(other_site).get(url).status_code == 404


@pytest.mark.django_db
def test_active_sessions_and_kick(api, users, sim_router, simulator, job):
    router, simulated = sim_router()
    queue_hotspot_users(router, [HotspotUserSpec(name="K1", comment="sold")])
    push_pending_users(router)
    simulator.call(lambda: simulated.state.tick(30, login_probability=1.0))
    client = api(users[Role.TECHNICAL])
    sessions = job(client, "get", f"/api/v1/routers/{router.pk}/active/")["result"]
    assert [s["user"] for s in sessions] == ["K1"]
    bad = client.post(
        f"/api/v1/routers/{router.pk}/kick/", {"session_id": "K1; drop"}, format="json"
    )
    assert bad.status_code == 400 and "session_id" in bad.json()
    kicked = job(
        client, "post", f"/api/v1/routers/{router.pk}/kick/", {"session_id": sessions[0]["id"]}
    )
    assert kicked["status"] == "done"
    assert job(client, "get", f"/api/v1/routers/{router.pk}/active/")["result"] == []


@pytest.mark.django_db
def test_drift_and_repair_endpoints(api, users, sim_router, simulator, job):
    router, simulated = sim_router()
    queue_hotspot_users(router, [HotspotUserSpec(name=f"D{i}") for i in range(3)])
    push_pending_users(router)
    simulator.call(lambda: simulated.state.users.remove("D1"))
    client = api(users[Role.SUPER_ADMIN])
    drift = job(client, "get", f"/api/v1/routers/{router.pk}/drift/")["result"]
    assert drift["missing_on_router"] == ["D1"] and drift["clean"] is False
    repaired = job(client, "post", f"/api/v1/routers/{router.pk}/drift/repair/")
    assert repaired["status"] == "done"
    assert repaired["result"]["after"]["clean"] is True
    assert repaired["result"]["push"]["added"] == 1
    assert sorted(u["name"] for u in sim_users(simulator, simulated)) == ["D0", "D1", "D2"]
    assert HotspotUser.objects.filter(sync_state="synced").count() == 3


@pytest.mark.django_db
def test_samples_and_events_are_readable_by_viewers(api, users, sim_router, job):
    router, _ = sim_router()
    job(api(users[Role.TECHNICAL]), "post", f"/api/v1/routers/{router.pk}/test/")
    finance = api(users[Role.FINANCE])
    samples = finance.get(f"/api/v1/routers/{router.pk}/samples/")
    events = finance.get(f"/api/v1/routers/{router.pk}/events/")
    assert samples.status_code == 200 and samples.json()[0]["cpu_load"] is not None
    assert events.status_code == 200 and events.json()[0]["kind"] == "up"
    assert api(users[Role.AGENT]).get(f"/api/v1/routers/{router.pk}/samples/").status_code == 403


@pytest.mark.django_db
def test_profiles_api_validates_and_syncs(api, users, sim_router, simulator, job):
    router, simulated = sim_router()
    client = api(users[Role.TECHNICAL])
    bad = client.post(
        "/api/v1/hotspot-profiles/", {"name": "x", "rate_limit": "fast"}, format="json"
    )
    assert bad.status_code == 400 and "rate_limit" in bad.json()
    assert not HotspotProfile.objects.exists()
    ok = client.post(
        "/api/v1/hotspot-profiles/",
        {"name": "day-5M", "rate_limit": "5M/5M", "shared_users": 2, "session_timeout": 86400},
        format="json",
    )
    assert ok.status_code == 201
    synced = job(client, "post", f"/api/v1/routers/{router.pk}/sync-profiles/")
    assert synced["result"]["added"] == ["day-5M"]
    on_router = simulator.call(lambda: [p["name"] for p in simulated.state.profiles.items])
    assert "day-5M" in on_router
    assert (
        api(users[Role.SALES])
        .post("/api/v1/hotspot-profiles/", {"name": "y"}, format="json")
        .status_code
        == 403
    )
