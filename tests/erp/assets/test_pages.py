"""Asset pages: list with filters and search, detail with the timeline and the move form,
add and edit through the services, warranty list, inventory value; who may see what."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from erp.accounts.roles import Role
from erp.assets.models import Asset, AssetMovement

pytestmark = pytest.mark.django_db


@pytest.fixture
def site(make_site):
    return make_site(name="Kariakoo", code="KKO")


def test_list_filters_and_searches(client, tech, make_asset, site):
    make_asset(serial_number="FIND-ME", site=site, reason="i")
    make_asset(serial_number="OTHER-1")
    client.force_login(tech)
    page = client.get("/assets/asset/?_search=find")
    assert b"FIND-ME" in page.content and b"OTHER-1" not in page.content
    page = client.get("/assets/asset/?status=in_stock")
    assert b"OTHER-1" in page.content and b"FIND-ME" not in page.content
    assert b"Import from CSV" in page.content and b"Inventory value" in page.content


def test_detail_shows_timeline_and_moves_through_the_form(client, tech, make_asset, site):
    asset = make_asset(serial_number="MOVE-1")
    client.force_login(tech)
    url = f"/assets/asset/{asset.pk}/detail/"
    page = client.get(url)
    assert page.status_code == 200
    assert b'id="asset-move"' in page.content
    assert b"Asha Mushi added it (new, in stock)" in page.content

    done = client.post(
        f"/assets/asset/{asset.pk}/move/",
        {"action": "assign", "to_site": str(site.pk), "reason": "new mast", "condition": ""},
    )
    assert done.status_code == 302 and done["Location"] == url
    asset.refresh_from_db()
    assert (asset.status, asset.site) == ("deployed", site)
    page = client.get(url).content.decode()
    assert "Asha Mushi moved it from stock to Kariakoo" in page and "— new mast" in page

    # The same site again: the form says why, and nothing changes
    count = AssetMovement.objects.count()
    again = client.post(
        f"/assets/asset/{asset.pk}/move/",
        {"action": "assign", "to_site": str(site.pk), "reason": "again"},
    )
    assert again.status_code == 400
    assert "The asset is already at Kariakoo." in again.content.decode()
    assert AssetMovement.objects.count() == count

    # Send to repair as faulty, then retire: no more move form, no edit
    client.post(
        f"/assets/asset/{asset.pk}/move/",
        {"action": "repair", "reason": "dead port", "condition": "faulty"},
    )
    client.post(f"/assets/asset/{asset.pk}/move/", {"action": "retire", "reason": "beyond repair"})
    asset.refresh_from_db()
    assert (asset.status, asset.condition) == ("retired", "retired")
    page = client.get(url).content.decode()
    assert 'id="asset-move"' not in page
    assert "Asha Mushi retired it (was at in repair)" in page
    assert "condition new → faulty" in page
    assert client.get(f"/assets/asset/{asset.pk}/change/").status_code == 403


def test_add_and_edit_through_the_services(client, tech, types, make_asset):
    make_asset(serial_number="DUP-1")
    client.force_login(tech)
    form = {
        "asset_type": str(types["router"].pk),
        "serial_number": "dup-1",
        "condition": "new",
        "purchase_cost": "1000",
    }
    page = client.post("/assets/asset/add/", form)
    assert page.status_code == 200
    assert "A router with serial DUP-1 already exists." in page.content.decode()
    assert Asset.objects.count() == 1
    form["serial_number"] = "new-1"
    assert client.post("/assets/asset/add/", form).status_code == 302
    asset = Asset.objects.get(serial_number="NEW-1")
    assert asset.movements.get().kind == "received"


def test_warranty_and_value_pages(client, tech, users, make_asset, site):
    make_asset(
        serial_number="W-1",
        site=site,
        reason="i",
        warranty_end=timezone.localdate() + dt.timedelta(days=5),
        purchase_cost=Decimal("1234.50"),
    )
    client.force_login(tech)
    page = client.get("/assets/asset/warranty/?days=10").content.decode()
    assert "W-1" in page and "Kariakoo" in page
    assert "W-1" not in client.get("/assets/asset/warranty/?days=2").content.decode()
    client.force_login(users[Role.FINANCE])
    value = client.get("/assets/asset/value/").content.decode()
    assert "Kariakoo (KKO)" in value and "TSh\u00a01,235" in value


@pytest.mark.parametrize("role", [Role.AGENT, Role.SALES, Role.MARKETING])
def test_roles_without_assets_get_403(client, users, make_asset, role):
    asset = make_asset()
    client.force_login(users[role])
    for url in (
        "/assets/asset/",
        f"/assets/asset/{asset.pk}/detail/",
        "/assets/asset/warranty/",
        "/assets/asset/value/",
        "/assets/asset/labels/",
    ):
        assert client.get(url).status_code == 403, url
    response = client.post(f"/assets/asset/{asset.pk}/move/", {"action": "stock", "reason": "x"})
    assert response.status_code == 403


def test_finance_sees_but_gets_no_move_form(client, users, make_asset):
    asset = make_asset()
    client.force_login(users[Role.FINANCE])
    page = client.get(f"/assets/asset/{asset.pk}/detail/")
    assert page.status_code == 200 and b'id="asset-move"' not in page.content
    assert (
        client.post(
            f"/assets/asset/{asset.pk}/move/", {"action": "stock", "reason": "x"}
        ).status_code
        == 403
    )


def test_scoped_technician_gets_404_for_another_sites_asset(
    client, make_user, make_site, make_asset
):
    mine, other = make_site(code="MINE"), make_site(code="OTHER")
    scoped = make_user(Role.TECHNICAL, username="scoped")
    scoped.site_scope.set([mine])
    asset = make_asset(site=other, reason="i")
    client.force_login(scoped)
    assert client.get(f"/assets/asset/{asset.pk}/detail/").status_code == 404
    response = client.post(f"/assets/asset/{asset.pk}/move/", {"action": "stock", "reason": "x"})
    assert response.status_code == 404
    asset.refresh_from_db()
    assert asset.site == other
