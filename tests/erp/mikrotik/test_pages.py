"""The router pages in the UI: status, figures, operations, drift and active sessions."""

from __future__ import annotations

import pytest

from erp.accounts.roles import Role
from erp.mikrotik.services import HotspotUserSpec, push_pending_users, queue_hotspot_users
from tests.router_fixtures import ROUTER_PASSWORD


def _text(response) -> str:
    return " ".join(response.content.decode().split())


@pytest.mark.django_db
def test_router_page_shows_status_and_operations_to_technicians(client, users, sim_router):
    router, _ = sim_router()
    client.force_login(users[Role.TECHNICAL])
    detail = f"/network/router/{router.pk}/detail/"
    page = _text(client.get(detail))
    assert "Test connection" in page and "Check drift" in page and "Unknown" in page

    tested = client.post(f"/network/router/{router.pk}/test/", follow=True)
    text = _text(tested)
    assert f"{router} answered: {router.name}, RouterOS 7.16.2" in text
    assert "erp-status--up" in text and "CPU load" in text
    assert ROUTER_PASSWORD not in text


@pytest.mark.django_db
def test_finance_sees_the_router_but_no_operations(client, users, sim_router):
    router, _ = sim_router()
    client.force_login(users[Role.FINANCE])
    page = _text(client.get(f"/network/router/{router.pk}/detail/"))
    assert router.name in page and "Test connection" not in page
    assert client.post(f"/network/router/{router.pk}/test/").status_code == 403
    assert client.get(f"/network/router/{router.pk}/drift/").status_code == 403


@pytest.mark.django_db
def test_drift_page_lists_and_repairs(client, users, sim_router, simulator):
    router, simulated = sim_router()
    queue_hotspot_users(router, [HotspotUserSpec(name="P1"), HotspotUserSpec(name="P2")])
    push_pending_users(router)
    simulator.call(lambda: simulated.state.users.remove("P2"))
    client.force_login(users[Role.TECHNICAL])
    url = f"/network/router/{router.pk}/drift/"
    page = _text(client.get(url))
    assert "Ours, missing on the router" in page and "P2" in page
    repaired = _text(client.post(url, follow=True))
    assert "Repaired: 1 added" in repaired and "No drift" in repaired


@pytest.mark.django_db
def test_active_page_kicks_a_session(client, users, sim_router, simulator):
    router, simulated = sim_router()
    queue_hotspot_users(router, [HotspotUserSpec(name="ONLINE1", comment="sold")])
    push_pending_users(router)
    simulator.call(lambda: simulated.state.tick(10, login_probability=1.0))
    client.force_login(users[Role.TECHNICAL])
    url = f"/network/router/{router.pk}/active/"
    assert "ONLINE1" in _text(client.get(url))
    session_id = simulator.call(lambda: simulated.state.active.items[0][".id"])
    after = _text(client.post(url, {"session_id": session_id}, follow=True))
    assert "Session disconnected." in after and "Nobody is online." in after
    bad = _text(client.post(url, {"session_id": "1; drop"}, follow=True))
    assert "That is not a session of this router." in bad


@pytest.mark.django_db
def test_a_down_router_shows_a_clear_error_on_its_pages(client, users, sim_router, simulator):
    router, simulated = sim_router()
    simulator.stop_router(next(n for n, r in simulator.routers.items() if r is simulated))
    client.force_login(users[Role.TECHNICAL])
    tested = _text(client.post(f"/network/router/{router.pk}/test/", follow=True))
    assert "The router is unreachable" in tested and "erp-status--down" in tested
    assert "cannot reach" not in tested and "Connection refused" not in tested
    drift = _text(client.get(f"/network/router/{router.pk}/drift/"))
    assert "The router is unreachable" in drift and "cannot reach" not in drift
    assert ROUTER_PASSWORD not in tested + drift
