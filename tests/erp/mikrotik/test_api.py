"""Router operations over the API: who may, what they get, and a failing router's answer."""

from __future__ import annotations

import pytest

from erp.accounts.roles import Role
from erp.mikrotik.client import UNREACHABLE
from erp.mikrotik.models import HotspotProfile, HotspotUser
from erp.mikrotik.services import HotspotUserSpec, push_pending_users, queue_hotspot_users
from tests.router_fixtures import ROUTER_PASSWORD, sim_users


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
def test_operations_need_the_operate_permission(role, allowed, users, api, sim_router):
    router, _ = sim_router()
    response = api(users[role]).post(f"/api/v1/routers/{router.pk}/test/")
    if allowed:
        assert response.status_code == 200
        body = response.json()
        assert body["ok"] is True and body["identity"] == router.name
        assert body["version"].startswith("7.")
    else:
        assert response.status_code in (403, 404)
        router.refresh_from_db()
        assert router.last_seen_at is None  # nothing was done


@pytest.mark.django_db
def test_unreachable_router_is_502_with_a_safe_message(api, users, sim_router, simulator):
    router, simulated = sim_router()
    name = next(n for n, r in simulator.routers.items() if r is simulated)
    simulator.stop_router(name)
    client = api(users[Role.TECHNICAL])
    report = client.post(f"/api/v1/routers/{router.pk}/test/").json()
    assert report["ok"] is False and report["error"] == UNREACHABLE and "detail" not in report
    drift = client.get(f"/api/v1/routers/{router.pk}/drift/")
    assert drift.status_code == 502 and drift.json()["detail"] == UNREACHABLE
    assert ROUTER_PASSWORD not in drift.content.decode()


@pytest.mark.django_db
def test_active_sessions_and_kick(api, users, sim_router, simulator):
    router, simulated = sim_router()
    queue_hotspot_users(router, [HotspotUserSpec(name="K1", comment="sold")])
    push_pending_users(router)
    simulator.call(lambda: simulated.state.tick(30, login_probability=1.0))
    client = api(users[Role.TECHNICAL])
    sessions = client.get(f"/api/v1/routers/{router.pk}/active/").json()
    assert [s["user"] for s in sessions] == ["K1"]
    bad = client.post(
        f"/api/v1/routers/{router.pk}/kick/", {"session_id": "K1; drop"}, format="json"
    )
    assert bad.status_code == 400 and "session_id" in bad.json()
    kicked = client.post(
        f"/api/v1/routers/{router.pk}/kick/", {"session_id": sessions[0]["id"]}, format="json"
    )
    assert kicked.status_code == 204
    assert client.get(f"/api/v1/routers/{router.pk}/active/").json() == []


@pytest.mark.django_db
def test_drift_and_repair_endpoints(api, users, sim_router, simulator):
    router, simulated = sim_router()
    queue_hotspot_users(router, [HotspotUserSpec(name=f"D{i}") for i in range(3)])
    push_pending_users(router)
    simulator.call(lambda: simulated.state.users.remove("D1"))
    client = api(users[Role.SUPER_ADMIN])
    drift = client.get(f"/api/v1/routers/{router.pk}/drift/").json()
    assert drift["missing_on_router"] == ["D1"] and drift["clean"] is False
    repaired = client.post(f"/api/v1/routers/{router.pk}/drift/repair/", {}, format="json")
    assert repaired.status_code == 200
    assert repaired.json()["after"]["clean"] is True and repaired.json()["push"]["added"] == 1
    assert sorted(u["name"] for u in sim_users(simulator, simulated)) == ["D0", "D1", "D2"]
    assert HotspotUser.objects.filter(sync_state="synced").count() == 3


@pytest.mark.django_db
def test_samples_and_events_are_readable_by_viewers(api, users, sim_router):
    router, _ = sim_router()
    api(users[Role.TECHNICAL]).post(f"/api/v1/routers/{router.pk}/test/")
    finance = api(users[Role.FINANCE])
    samples = finance.get(f"/api/v1/routers/{router.pk}/samples/")
    events = finance.get(f"/api/v1/routers/{router.pk}/events/")
    assert samples.status_code == 200 and samples.json()[0]["cpu_load"] is not None
    assert events.status_code == 200 and events.json()[0]["kind"] == "up"
    assert api(users[Role.AGENT]).get(f"/api/v1/routers/{router.pk}/samples/").status_code == 403


@pytest.mark.django_db
def test_profiles_api_validates_and_syncs(api, users, sim_router, simulator):
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
    synced = client.post(f"/api/v1/routers/{router.pk}/sync-profiles/")
    assert synced.json()["added"] == ["day-5M"]
    on_router = simulator.call(lambda: [p["name"] for p in simulated.state.profiles.items])
    assert "day-5M" in on_router
    assert (
        api(users[Role.SALES])
        .post("/api/v1/hotspot-profiles/", {"name": "y"}, format="json")
        .status_code
        == 403
    )
