"""One queued push per router, and a circuit breaker for routers that do not answer (issue 14
item 8); the beat push syncs profiles first (item 10). Real TCP: the RouterOS simulator, and a
dead router that accepts connections and hangs up, counting them."""

from __future__ import annotations

import socket
import threading
from datetime import timedelta

import pytest
from django.utils import timezone

from erp.accounts.roles import Role
from erp.mikrotik import tasks
from erp.mikrotik.models import HotspotProfile, HotspotUser, RouterCircuit
from erp.mikrotik.services import HotspotUserSpec, queue_hotspot_users
from erp.sites.models import Router
from tests.router_fixtures import sim_users


class DeadRouter:
    """Accepts a connection and closes it at once: fails fast, and counts every attempt."""

    def __init__(self):
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(16)
        self.port = self.listener.getsockname()[1]
        self.attempts = 0
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            self.attempts += 1
            conn.close()

    def close(self):
        self.listener.close()


@pytest.fixture
def dead_router():
    dead = DeadRouter()
    yield dead
    dead.close()


@pytest.fixture
def queued(monkeypatch):
    """The push messages sent to the broker, by router id (nothing runs them)."""
    sent: list[str] = []
    monkeypatch.setattr(tasks.push_router_users, "delay", lambda rid: sent.append(rid))
    return sent


@pytest.mark.django_db
def test_beat_queues_one_push_per_router_until_it_runs(sim_router, simulator, queued):
    router, simulated = sim_router()
    queue_hotspot_users(router, [HotspotUserSpec(name="Q1")])
    assert [tasks.push_all_pending() for _ in range(3)] == [1, 0, 0]
    assert tasks.request_push(router) is False  # a sale's change adds no second message
    assert queued == [str(router.pk)]

    tasks.push_router_users(str(router.pk))  # the worker runs it
    assert [u["name"] for u in sim_users(simulator, simulated)] == ["Q1"]
    queue_hotspot_users(router, [HotspotUserSpec(name="Q2")])
    assert tasks.push_all_pending() == 1 and len(queued) == 2

    # a message lost with its worker does not block the router for good
    RouterCircuit.objects.filter(pk=router.pk).update(
        push_queued_at=timezone.now() - timedelta(hours=1)
    )
    assert tasks.push_all_pending() == 1 and len(queued) == 3


@pytest.mark.django_db
def test_the_circuit_opens_stops_traffic_and_probes_once(
    make_router, dead_router, sim_router, simulator, queued, settings, client, users
):
    settings.ROUTER_BREAKER_FAILURES = 3
    settings.ROUTER_BREAKER_COOLDOWN = 60
    settings.ROUTER_TIMEOUT = 2
    router = make_router(api_port=dead_router.port)
    queue_hotspot_users(router, [HotspotUserSpec(name=f"C{i}") for i in range(3)])
    rid = str(router.pk)

    for _ in range(3):
        tasks.push_router_users(rid)  # no exception, no retry message: beat is the retry
    circuit = RouterCircuit.objects.get(pk=router.pk)
    assert dead_router.attempts == 3 and circuit.failures == 3 and circuit.is_open
    assert circuit.retry_at > timezone.now() + timedelta(seconds=50)

    # open: beat queues nothing for it, polls skip it, a stray message does not connect
    assert tasks.push_all_pending() == 0 and queued == []
    polled: list[str] = []
    original = tasks.poll_router_health.delay
    tasks.poll_router_health.delay = lambda r: polled.append(r)
    try:
        tasks.poll_all_health()
    finally:
        tasks.poll_router_health.delay = original
    assert rid not in polled
    tasks.push_router_users(rid)
    tasks.poll_router_health(rid)
    assert dead_router.attempts == 3

    client.force_login(users[Role.TECHNICAL])
    page = " ".join(client.get(f"/network/router/{rid}/detail/").content.decode().split())
    assert "Circuit open since" in page and "after 3 failures in a row" in page

    # half-open: after the cooldown exactly one probe; it fails, the wait doubles
    RouterCircuit.objects.filter(pk=router.pk).update(retry_at=timezone.now())
    tasks.push_router_users(rid)
    tasks.push_router_users(rid)
    circuit.refresh_from_db()
    assert dead_router.attempts == 4 and circuit.failures == 4
    assert circuit.retry_at > timezone.now() + timedelta(seconds=110)

    # the router is back (here: another address with a live router); the probe closes it
    _, simulated = sim_router()
    Router.objects.filter(pk=router.pk).update(api_port=simulated.port)
    simulator.call(lambda: setattr(simulated.state, "password", router.get_password()))
    RouterCircuit.objects.filter(pk=router.pk).update(retry_at=timezone.now())
    tasks.push_router_users(rid)
    circuit.refresh_from_db()
    assert not circuit.is_open and circuit.failures == 0
    assert sorted(u["name"] for u in sim_users(simulator, simulated)) == ["C0", "C1", "C2"]
    page = " ".join(client.get(f"/network/router/{rid}/detail/").content.decode().split())
    assert "Circuit open" not in page


@pytest.mark.django_db
def test_the_beat_push_puts_the_profile_on_the_router_first(sim_router, simulator):
    router, simulated = sim_router()
    HotspotProfile.objects.create(name="day-2M", rate_limit="2M/2M", session_timeout=86400)
    queue_hotspot_users(router, [HotspotUserSpec(name="P1", profile="day-2M")])
    tasks.push_router_users(str(router.pk))
    assert HotspotUser.objects.get(name="P1").sync_state == "synced"
    profiles = simulator.call(lambda: [p["name"] for p in simulated.state.profiles.items])
    assert "day-2M" in profiles
    assert sim_users(simulator, simulated)[0]["profile"] == "day-2M"
