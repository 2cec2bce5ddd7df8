"""Asset value per site, against figures added up by hand."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest

from analytics import assets
from analytics.filters import Filters
from erp.assets import services

ANY = Filters(start=dt.date(2026, 10, 1), end=dt.date(2026, 11, 1))


def rows(frame):
    return [tuple(r) for r in frame[assets.COLUMNS[1:]].itertuples(index=False)]


@pytest.mark.django_db
def test_asset_value_per_site(shop, admin_user, asset_types):
    """Alpha: a router 150,000 and a switch 80,000.50, deployed. Beta: an access point
    60,000 deployed and one 45,000 in repair on site. The store: a spare without a cost (it
    counts, adds nothing) and one 20,000. A retired router 999,999 is not counted."""
    alpha, beta = shop["sites"]["A"], shop["sites"]["B"]

    def make(code, serial, cost, site=None):
        return services.create_asset(
            actor=admin_user,
            asset_type=asset_types[code],
            serial_number=serial,
            purchase_cost=cost,
            site=site,
        )

    make("router", "R-1", D("150000"), alpha)
    make("switch", "S-1", D("80000.50"), alpha)
    make("access-point", "A-1", D("60000"), beta)
    broken = make("access-point", "A-2", D("45000"), beta)
    services.send_to_repair(actor=admin_user, asset=broken, reason="no power", site=beta)
    make("access-point", "A-3", None)
    make("router", "R-2", D("20000"))
    old = make("router", "R-3", D("999999"))
    services.retire_asset(actor=admin_user, asset=old, reason="burnt")

    assert rows(assets.asset_value_by_site(ANY)) == [
        ("Alpha", 2, 2, 0, D("230000.50")),
        ("Beta", 2, 1, 1, D("105000.00")),
        ("No site (store, repair)", 2, 0, 0, D("20000.00")),
    ]
    only_beta = Filters(start=ANY.start, end=ANY.end, sites=(beta.pk,))
    assert rows(assets.asset_value_by_site(only_beta)) == [("Beta", 2, 1, 1, D("105000.00"))]
