"""A router that was reset or replaced converges, and no change lands on another user
(issue 14 item 4). The simulator's state is wiped as a reset does: its ids start again."""

from __future__ import annotations

import pytest

from erp.mikrotik.models import HotspotUser, RouterEvent
from erp.mikrotik.services import (
    HotspotUserSpec,
    change_hotspot_users,
    find_drift,
    push_pending_users,
    queue_hotspot_users,
)
from erp.mikrotik.services import test_connection as check_router
from erp.mikrotik.simulator.state import RouterState
from tests.router_fixtures import ROUTER_PASSWORD, sim_users


def _reset(simulator, simulated, *, identity: str | None = None) -> None:
    """Reset to defaults: no users, ids from *1 again, uptime from zero (same identity
    unless given: an owner restoring a backup of the identity, or a replacement router)."""

    def wipe():
        old = simulated.state
        simulated.state = RouterState(
            identity or old.identity, username=old.username, password=ROUTER_PASSWORD
        )

    simulator.call(wipe)


def _users(simulator, simulated) -> dict[str, dict]:
    return {u["name"]: u for u in sim_users(simulator, simulated)}


@pytest.mark.django_db
def test_a_set_after_a_reset_never_renames_another_user(sim_router, simulator):
    router, simulated = sim_router()
    queue_hotspot_users(router, [HotspotUserSpec(name=f"OLD{i}") for i in range(3)])
    push_pending_users(router)
    old_ids = dict(HotspotUser.objects.values_list("name", "router_item_id"))
    _reset(simulator, simulated)
    # The reset router gets users of someone else (or a new batch) under the same ids.
    simulator.call(lambda: [simulated.state.users.add({"name": f"NEW{i}"}) for i in range(3)])
    reused = {u["name"]: u[".id"] for u in sim_users(simulator, simulated)}
    assert set(reused.values()) & set(old_ids.values()), "the reset router reuses the ids"

    change_hotspot_users(HotspotUser.objects.filter(name="OLD1"), disabled=True)
    report = push_pending_users(router)

    users = _users(simulator, simulated)
    assert {f"NEW{i}" for i in range(3)} <= set(users), "no user was renamed"
    assert all(users[f"NEW{i}"]["disabled"] == "false" for i in range(3))
    assert users["OLD1"]["disabled"] == "true" and report.added == 1
    mine = HotspotUser.objects.get(name="OLD1")
    assert mine.router_item_id == users["OLD1"][".id"] and mine.sync_state == "synced"
    ids = list(HotspotUser.objects.exclude(router_item_id="").values_list("router_item_id"))
    assert len(ids) == len(set(ids))  # two rows never claim one id


@pytest.mark.django_db
def test_a_removal_after_a_reset_removes_only_its_own_user(sim_router, simulator):
    router, simulated = sim_router()
    queue_hotspot_users(router, [HotspotUserSpec(name="GONE")])
    push_pending_users(router)
    _reset(simulator, simulated)
    simulator.call(lambda: simulated.state.users.add({"name": "KEEP"}))
    change_hotspot_users(HotspotUser.objects.filter(name="GONE"), removed=True)
    push_pending_users(router)
    assert set(_users(simulator, simulated)) == {"KEEP"}
    assert HotspotUser.objects.get(name="GONE").sync_state == "synced"


@pytest.mark.django_db
def test_the_health_check_sees_a_reset_and_the_next_push_converges(sim_router, simulator):
    router, simulated = sim_router()
    queue_hotspot_users(router, [HotspotUserSpec(name=f"U{i}") for i in range(20)])
    push_pending_users(router)
    simulator.call(lambda: setattr(simulated.state, "booted_at", simulated.state.booted_at - 7200))
    assert check_router(router).ok  # a reading with two hours of uptime
    assert check_router(router).ok  # still up, nothing to see
    assert not RouterEvent.objects.filter(kind="reset").exists()

    _reset(simulator, simulated)
    simulator.call(lambda: [simulated.state.users.add({"name": f"X{i}"}) for i in range(5)])
    assert check_router(router).ok
    event = RouterEvent.objects.get(router=router, kind="reset")
    assert "uptime went back" in event.message and "5 hotspot users on it, 20 expected" in (
        event.message
    )
    assert HotspotUser.objects.filter(sync_state="pending", router_item_id="").count() == 20

    push_pending_users(router)
    users = _users(simulator, simulated)
    assert {f"U{i}" for i in range(20)} | {f"X{i}" for i in range(5)} == set(users)
    drift = find_drift(router)
    assert drift.missing_on_router == [] and drift.differing == []
    assert drift.unknown_on_router == [f"X{i}" for i in range(5)]  # theirs, left alone


@pytest.mark.django_db
def test_a_plain_reboot_pushes_nothing_again(sim_router, simulator):
    router, simulated = sim_router()
    queue_hotspot_users(router, [HotspotUserSpec(name=f"R{i}") for i in range(5)])
    push_pending_users(router)
    simulator.call(lambda: setattr(simulated.state, "booted_at", simulated.state.booted_at - 600))
    check_router(router)
    simulator.call(lambda: setattr(simulated.state, "booted_at", simulated.state.booted_at + 590))
    assert check_router(router).ok
    assert not RouterEvent.objects.filter(kind="reset").exists()
    assert not HotspotUser.objects.filter(sync_state="pending").exists()


@pytest.mark.django_db
def test_a_replaced_router_gets_everything_again(sim_router, simulator):
    router, simulated = sim_router()
    queue_hotspot_users(router, [HotspotUserSpec(name=f"S{i}") for i in range(4)])
    push_pending_users(router)
    check_router(router)
    _reset(simulator, simulated, identity="MikroTik")
    assert check_router(router).ok
    event = RouterEvent.objects.get(router=router, kind="reset")
    assert "identity changed" in event.message and "“MikroTik”" in event.message
    push_pending_users(router)
    assert set(_users(simulator, simulated)) == {f"S{i}" for i in range(4)}
    assert find_drift(router).clean


@pytest.mark.django_db
def test_after_a_reset_the_sold_vouchers_users_go_back_first(sim_router, simulator):
    """Customers hold sold codes: their users reach the router before the unsold stock."""
    router, simulated = sim_router()
    queue_hotspot_users(router, [HotspotUserSpec(name=f"STOCK{i:02d}") for i in range(8)])
    queue_hotspot_users(router, [HotspotUserSpec(name=f"SOLD{i}") for i in range(3)])
    change_hotspot_users(HotspotUser.objects.filter(name__startswith="SOLD"), comment="sold 7")
    order = []

    def record(report):  # after each window: which users are on the router now
        order.append(
            set(HotspotUser.objects.filter(sync_state="synced").values_list("name", flat=True))
        )

    push_pending_users(router, batch_size=3, progress=record)
    assert order[0] == {"SOLD0", "SOLD1", "SOLD2"}, order[0]
    assert len(_users(simulator, simulated)) == 11
