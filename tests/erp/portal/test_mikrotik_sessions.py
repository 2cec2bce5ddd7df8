"""MikroTik portal sessions are metered and ended from the router's active list (read by the
usage poll over the RouterOS API): bytes follow the router, a device gone from the list has
ended, a session just started is not closed before the router lists it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from erp.mikrotik.services import fetch_active_users
from erp.portal.models import PortalSession, PortalSettings
from tests.portal_fixtures import agent_sells

MAC = "02:AA:BB:CC:DD:01"
HOTSPOT = {"mac": MAC, "ip": "10.5.50.23", "link-login-only": "http://10.5.50.1/login"}


@pytest.mark.django_db
def test_bytes_follow_the_router_and_a_device_gone_has_ended(client, online_stock, simulator):
    stock = online_stock(count=1)
    PortalSettings.objects.create(site=stock["site"], login_method="api")
    code = stock["agent_codes"][0]
    agent_sells(stock, code)
    client.post(f"/portal/{stock['site'].code}/", {**HOTSPOT, "code": code})
    session = PortalSession.objects.get()
    active = stock["simulated"].state.active

    def used(bytes_in: str, bytes_out: str) -> None:
        [row] = active.items
        row.update({"bytes-in": bytes_in, "bytes-out": bytes_out})

    simulator.call(lambda: used("1200000", "340000"))
    fetch_active_users(stock["router"])  # what the five-minute usage poll does
    session.refresh_from_db()
    assert (session.bytes_in, session.bytes_out, session.ended_at) == (1200000, 340000, None)
    # logged out on the router just after the login: not ended before the grace
    simulator.call(lambda: setattr(active, "items", []))
    fetch_active_users(stock["router"])
    session.refresh_from_db()
    assert session.ended_at is None
    PortalSession.objects.filter(pk=session.pk).update(
        started_at=timezone.now() - timedelta(minutes=10)
    )
    fetch_active_users(stock["router"])
    session.refresh_from_db()
    assert session.ended_at is not None and session.bytes_in == 1200000  # last bytes kept
