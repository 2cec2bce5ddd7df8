from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from erp.accounts.roles import Role
from erp.assets.services import create_asset


@pytest.fixture
def tech(make_user):
    return make_user(Role.TECHNICAL, username="asha", first_name="Asha", last_name="Mushi")


@pytest.fixture
def types(asset_types):
    return asset_types


@pytest.fixture
def make_asset(tech, types):
    counter = {"n": 0}

    def make(actor=None, type_code="router", site=None, reason="", **fields):
        counter["n"] += 1
        fields.setdefault("serial_number", f"SN-{counter['n']:04d}")
        fields.setdefault("model", "hAP ac2")
        fields.setdefault("vendor", "MikroTik")
        fields.setdefault("purchase_cost", Decimal("150000.00"))
        fields.setdefault("purchase_date", dt.date(2026, 1, 10))
        return create_asset(
            actor=actor or tech,
            asset_type=types[type_code],
            site=site,
            reason=reason,
            **fields,
        )

    return make
