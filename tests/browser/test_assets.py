"""An asset's page on a 360 px phone: the timeline reads, the move form works, nothing
overflows sideways."""

from __future__ import annotations

import pytest

from erp.accounts.roles import Role
from erp.assets.models import Asset
from erp.assets.services import assign_asset, create_asset, update_asset
from tests.browser.helpers import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_technician_moves_an_asset_on_a_phone(page_for, shot, make_user, make_site, asset_types):
    tech = make_user(Role.TECHNICAL, "asha", first_name="Asha", last_name="Mushi")
    kko = make_site(name="Kariakoo Market", code="KKO")
    make_site(name="Mwenge", code="MWG")
    asset = create_asset(
        actor=tech,
        asset_type=asset_types["router"],
        serial_number="HGF09A1B2C3",
        model="hAP ax2",
        vendor="MikroTik",
        mac_address="48:8F:5A:11:22:33",
        supplier="Tz Networks Ltd",
    )
    assign_asset(actor=tech, asset=asset, site=kko, reason="New hotspot at the market")
    update_asset(actor=tech, asset=asset, condition="fair")

    page = page_for(width=360, height=740)
    login(page, tech.username)
    page.goto(f"{page.base}/assets/asset/{asset.pk}/detail/")
    timeline = page.locator("#asset-timeline").inner_text()
    assert "Asha Mushi moved it from stock to Kariakoo Market" in timeline
    assert "Asha Mushi changed the condition: new → fair" in timeline
    # No sideways scrolling on a phone
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    shot(page, "assets-01-phone-detail")

    # Move it with the form on the page
    page.select_option("#asset-move select[name=action]", "assign")
    page.select_option("#asset-move select[name=to_site]", label="Mwenge (MWG)")
    page.fill("#asset-move textarea[name=reason]", "Market closed for works")
    page.click("#asset-move button[type=submit]")
    page.wait_for_selector("text=moved it from Kariakoo Market to Mwenge")
    shot(page, "assets-02-phone-after-move")
    asset = Asset.objects.get(pk=asset.pk)
    assert asset.site.code == "MWG"
    assert page.console_errors == []
