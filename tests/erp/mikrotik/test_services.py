"""Router services against the simulator: status, profiles, pipelined pushes that survive a
dropped connection, user changes, usage and traffic, drift."""

from __future__ import annotations

import logging

import pytest
from django.utils import timezone

from erp.mikrotik import services
from erp.mikrotik.choices import SyncState
from erp.mikrotik.client import UNREACHABLE
from erp.mikrotik.exceptions import RouterUnreachable
from erp.mikrotik.models import HotspotProfile, HotspotUser, RouterEvent, RouterSample
from erp.mikrotik.services import HotspotUserSpec
from erp.sites.choices import RouterStatus
from tests.router_fixtures import ROUTER_PASSWORD, sim_users


def _queue(router, n, prefix="V", **extra):
    specs = [HotspotUserSpec(name=f"{prefix}{i:05d}", **extra) for i in range(n)]
    return services.queue_hotspot_users(router, specs)


def _sim_name_of(simulator, simulated):
    return next(name for name, r in simulator.routers.items() if r is simulated)


@pytest.mark.django_db
def test_polling_marks_stopped_router_down_once_and_restarted_up(simulator, sim_router):
    router, simulated = sim_router()
    assert services.poll_health(router) is True
    router.refresh_from_db()
    assert router.status == RouterStatus.UP and router.last_seen_at is not None
    assert RouterSample.objects.filter(router=router, cpu_load__isnull=False).exists()

    name = _sim_name_of(simulator, simulated)
    simulator.stop_router(name)
    assert services.poll_health(router) is False
    assert services.poll_health(router) is False  # a second poll: no second event
    router.refresh_from_db()
    assert router.status == RouterStatus.DOWN and router.status_changed_at is not None
    assert router.last_error == UNREACHABLE and ROUTER_PASSWORD not in router.last_error

    simulator.start_router(name)
    assert services.poll_health(router) is True
    kinds = list(
        RouterEvent.objects.filter(router=router).order_by("at").values_list("kind", flat=True)
    )
    assert kinds == ["up", "down", "up"]
    router.refresh_from_db()
    assert router.status == RouterStatus.UP and router.last_error == ""


@pytest.mark.django_db
def test_sync_profiles_adds_then_fixes_drifted_values(simulator, sim_router, admin_user):
    router, simulated = sim_router()
    services.save_profile(
        actor=admin_user, name="1h-2M", rate_limit="2M/2M", shared_users=1, session_timeout=3600
    )
    report = services.sync_profiles(router)
    assert report.added == ["1h-2M"]
    profiles = simulator.call(lambda: {p["name"]: dict(p) for p in simulated.state.profiles.items})
    assert profiles["1h-2M"]["rate-limit"] == "2M/2M"

    HotspotProfile.objects.filter(name="1h-2M").update(rate_limit="4M/4M")
    assert services.sync_profiles(router).updated == ["1h-2M"]
    assert services.sync_profiles(router).unchanged == ["1h-2M"]


@pytest.mark.django_db
@pytest.mark.parametrize("bad", ["2 M", "fast", "2M/", "-1M/2M"])
def test_invalid_rate_limit_refused_before_the_router(admin_user, bad):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as excinfo:
        services.save_profile(actor=admin_user, name="bad", rate_limit=bad)
    assert "rate_limit" in excinfo.value.message_dict
    assert not HotspotProfile.objects.filter(name="bad").exists()


@pytest.mark.django_db
def test_push_adds_every_pending_user_once(simulator, sim_router):
    router, simulated = sim_router()
    _queue(router, 300, profile="default", comment="batch-1", limit_uptime=3600)
    report = services.push_pending_users(router)
    assert (report.added, report.failed, report.remaining) == (300, 0, 0)
    users = sim_users(simulator, simulated)
    assert len(users) == 300 and len({u["name"] for u in users}) == 300
    assert users[0]["password"] == users[0]["name"] and users[0]["limit-uptime"] == "1h"
    assert not HotspotUser.objects.exclude(sync_state=SyncState.SYNCED).exists()
    assert not HotspotUser.objects.filter(router_item_id="").exists()

    again = services.push_pending_users(router)  # nothing pending: nothing sent
    assert (again.added, again.updated) == (0, 0)
    assert len(sim_users(simulator, simulated)) == 300


@pytest.mark.django_db
def test_push_cut_by_a_dropped_connection_resumes_without_duplicates(simulator, sim_router):
    router, simulated = sim_router()
    _queue(router, 500)
    # The router drops the link after the login and 180 more commands
    simulator.call(lambda: setattr(simulated.state.faults, "drop_after", 181))
    with pytest.raises(RouterUnreachable):
        services.push_pending_users(router)
    on_router = len(sim_users(simulator, simulated))
    synced = HotspotUser.objects.filter(sync_state=SyncState.SYNCED).count()
    assert on_router == 180 and synced <= on_router

    simulator.call(simulated.state.faults.reset)
    report = services.push_pending_users(router)
    users = sim_users(simulator, simulated)
    names = [u["name"] for u in users]
    assert len(names) == 500 and len(set(names)) == 500  # nothing missing, nothing twice
    assert report.remaining == 0
    assert HotspotUser.objects.filter(sync_state=SyncState.SYNCED).count() == 500
    ids = dict(HotspotUser.objects.values_list("name", "router_item_id"))
    assert all(ids[u["name"]] == u[".id"] for u in users)


@pytest.mark.django_db
def test_push_to_a_down_router_waits_and_completes_after(simulator, sim_router):
    router, simulated = sim_router()
    name = _sim_name_of(simulator, simulated)
    _queue(router, 50)
    simulator.stop_router(name)
    with pytest.raises(RouterUnreachable):
        services.push_pending_users(router)
    assert HotspotUser.objects.filter(sync_state=SyncState.PENDING).count() == 50
    simulator.start_router(name)
    assert services.push_pending_users(router).added == 50
    assert len(sim_users(simulator, simulated)) == 50


@pytest.mark.django_db
def test_disable_enable_and_remove_reach_the_router(simulator, sim_router):
    router, simulated = sim_router()
    _queue(router, 3)
    services.push_pending_users(router)
    first, second, third = HotspotUser.objects.order_by("name")
    services.change_hotspot_users([first], disabled=True)
    services.change_hotspot_users([third], removed=True)
    report = services.push_pending_users(router)
    assert (report.updated, report.removed) == (1, 1)
    users = {u["name"]: u for u in sim_users(simulator, simulated)}
    assert users[first.name]["disabled"] == "true"
    assert users[second.name]["disabled"] == "false"
    assert third.name not in users
    services.change_hotspot_users([first], disabled=False)
    services.push_pending_users(router)
    assert {u["name"]: u for u in sim_users(simulator, simulated)}[first.name][
        "disabled"
    ] == "false"


@pytest.mark.django_db
def test_a_trapped_add_is_marked_failed_with_the_router_message(simulator, sim_router):
    router, simulated = sim_router()
    _queue(router, 2, profile="no-such-profile")
    report = services.push_pending_users(router)
    assert report.failed == 2
    failed = HotspotUser.objects.filter(sync_state=SyncState.FAILED)
    assert failed.count() == 2
    assert failed.first().last_error == "input does not match any value of profile"


@pytest.mark.django_db
def test_drift_listed_and_repaired(simulator, sim_router):
    router, simulated = sim_router()
    _queue(router, 5)
    services.push_pending_users(router)
    names = sorted(HotspotUser.objects.values_list("name", flat=True))

    def tamper():
        state = simulated.state
        state.users.add({"name": "HANDMADE", "password": "x"})
        state.users.remove(names[0])
        state.users.set(names[1], {"disabled": "yes"})
        state.profiles.add({"name": "other"})
        state.users.set(names[2], {"profile": "other"})

    simulator.call(tamper)
    report = services.find_drift(router)
    assert report.unknown_on_router == ["HANDMADE"]
    assert report.missing_on_router == [names[0]]
    assert report.disabled_differs == [names[1]]
    assert report.wrong_profile == [names[2]]
    assert not report.clean

    services.repair_drift(router)
    after = services.find_drift(router)
    assert after.unknown_on_router == ["HANDMADE"] and not after.missing_on_router
    assert not after.wrong_profile and not after.disabled_differs
    services.repair_drift(router, remove_unknown=True)
    assert services.find_drift(router).clean
    assert len(sim_users(simulator, simulated)) == 5


@pytest.mark.django_db
def test_usage_active_sessions_kick_and_traffic(simulator, sim_router):
    router, simulated = sim_router()
    _queue(router, 4, comment="sold")
    services.push_pending_users(router)
    simulator.call(lambda: simulated.state.tick(60, login_probability=1.0))
    simulator.call(lambda: simulated.state.tick(60, login_probability=1.0))

    active = services.fetch_active_users(router)
    assert len(active) == 4 and all(s["uptime_seconds"] == 60 for s in active)
    assert services.fetch_usage(router) == 4
    user = HotspotUser.objects.order_by("name").first()
    assert user.uptime_seconds == 60 and user.bytes_in > 0 and user.usage_at is not None

    services.kick_session(router, active[0]["id"])
    services.kick_session(router, active[0]["id"])  # already gone: fine
    assert len(services.fetch_active_users(router)) == 3

    traffic = services.fetch_traffic(router)
    assert traffic["rx_bytes"] > 0 and traffic["active_users"] == 3
    assert {i["name"] for i in traffic["interfaces"]} >= {"ether1", "wlan1"}
    sample = RouterSample.objects.filter(router=router, rx_bytes__isnull=False).latest("taken_at")
    assert sample.rx_bytes == traffic["rx_bytes"] and sample.active_users == 3


@pytest.mark.django_db
def test_samples_are_pruned_after_retention(sim_router):
    router, _ = sim_router()
    old = RouterSample.objects.create(
        router=router, taken_at=timezone.now() - timezone.timedelta(days=100)
    )
    fresh = RouterSample.objects.create(router=router, taken_at=timezone.now())
    assert services.prune_samples(older_than_days=90) == 1
    assert not RouterSample.objects.filter(pk=old.pk).exists()
    assert RouterSample.objects.filter(pk=fresh.pk).exists()


@pytest.mark.django_db
def test_no_password_in_any_log_record_of_failing_operations(
    simulator, sim_router, caplog, make_router
):
    caplog.set_level(logging.DEBUG)
    router, simulated = sim_router()
    _queue(router, 3)
    services.push_pending_users(router)
    bad = make_router(host="127.0.0.1", api_port=simulated.port, password="Other-Secret-9")
    services.poll_health(bad)
    simulator.stop_router(_sim_name_of(simulator, simulated))
    services.poll_health(router)
    text = "\n".join(r.getMessage() + str(r.exc_info or "") for r in caplog.records)
    assert ROUTER_PASSWORD not in text and "Other-Secret-9" not in text
    codes = HotspotUser.objects.values_list("name", flat=True)
    assert not any(code in text for code in codes)
