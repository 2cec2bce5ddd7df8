"""The Network page shows access points (OpenWISP) beside routers, per site by status."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from analytics import network
from analytics.filters import Filters
from erp.integrations.openwisp.models import OpenWispDevice
from erp.sites.models import Router


@pytest.mark.django_db
def test_routers_and_access_points_per_site_by_status(make_site, make_router):
    kko, mwg = make_site(name="Kariakoo"), make_site(name="Mwenge")
    up = make_router(site=kko, name="r1")
    make_router(site=kko, name="r2")
    Router.objects.filter(pk=up.pk).update(status="up")
    make_router(site=mwg, name="r3")
    for site, name, health in [
        (kko, "ap-1", "ok"),
        (kko, "ap-2", "ok"),
        (kko, "ap-3", "critical"),
        (mwg, "ap-4", "problem"),
    ]:
        OpenWispDevice.objects.create(
            site=site,
            openwisp_id=uuid.uuid4(),
            name=name,
            mac_address="02:00:00:00:00:01",
            health=health,
        )
    today = timezone.localdate()
    period = Filters(start=today, end=today + dt.timedelta(days=1))
    rows = {tuple(r) for r in network.equipment_status(period).itertuples(index=False)}
    assert rows == {
        ("Kariakoo", "router", "unknown", 1),
        ("Kariakoo", "router", "up", 1),
        ("Mwenge", "router", "unknown", 1),
        ("Kariakoo", "access point", "ok", 2),
        ("Kariakoo", "access point", "critical", 1),
        ("Mwenge", "access point", "problem", 1),
    }
    only_kko = Filters(start=today, end=today + dt.timedelta(days=1), sites=(str(kko.pk),))
    assert set(network.equipment_status(only_kko)["site_name"]) == {"Kariakoo"}
