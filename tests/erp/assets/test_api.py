"""The assets API: list and filter, retrieve with history, move, movements, warranty,
inventory value, labels; bad input is a 400 that changes nothing."""

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


def test_create_then_move_then_read_history(api, tech, types, site):
    client = api(tech)
    created = client.post(
        "/api/v1/assets/",
        {
            "asset_type": str(types["access-point"].pk),
            "serial_number": "cap-001",
            "mac_address": "aabb.ccdd.eeff",
            "purchase_cost": "89000.50",
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["serial_number"], body["mac_address"], body["status"], body["purchase_cost"]) == (
        "CAP-001",
        "AA:BB:CC:DD:EE:FF",
        "in_stock",
        "89000.50",
    )
    url = f"/api/v1/assets/{body['id']}/"

    moved = client.post(
        url + "move/", {"to_site": str(site.pk), "reason": "install"}, format="json"
    )
    assert moved.status_code == 201, moved.content
    assert moved.json()["kind"] == "assigned" and moved.json()["to_status"] == "deployed"

    detail = client.get(url).json()
    assert detail["status"] == "deployed" and detail["site_name"] == "Kariakoo"
    assert [h["lines"] for h in detail["history"]] == [
        ["Asha Mushi moved it from stock to Kariakoo"],
        ["Asha Mushi added it (new, in stock)"],
    ]
    assert detail["history"][0]["reason"] == "install"

    movements = client.get(f"/api/v1/asset-movements/?asset={body['id']}").json()["results"]
    assert [m["kind"] for m in movements] == ["assigned", "received"]


def test_duplicate_serial_is_400_on_the_field_and_creates_nothing(api, tech, types, make_asset):
    make_asset(serial_number="R-1")
    before = Asset.objects.count()
    response = api(tech).post(
        "/api/v1/assets/",
        {"asset_type": str(types["router"].pk), "serial_number": "r-1"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {"serial_number": ["A router with serial R-1 already exists."]}
    assert Asset.objects.count() == before


def test_move_to_the_same_site_is_400_and_changes_nothing(api, tech, make_asset, site):
    asset = make_asset(site=site, reason="install")
    before = AssetMovement.objects.count()
    response = api(tech).post(
        f"/api/v1/assets/{asset.pk}/move/", {"to_site": str(site.pk), "reason": "x"}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"to_site": ["The asset is already at Kariakoo."]}
    assert AssetMovement.objects.count() == before


def test_status_and_site_cannot_be_set_by_edit(api, tech, make_asset, site):
    asset = make_asset()
    response = api(tech).patch(
        f"/api/v1/assets/{asset.pk}/",
        {"status": "deployed", "site": str(site.pk), "model": "RB5009"},
        format="json",
    )
    assert response.status_code == 200
    asset.refresh_from_db()
    assert (asset.status, asset.site, asset.model) == ("in_stock", None, "RB5009")


def test_finance_reads_but_cannot_move(api, users, make_asset, site):
    asset = make_asset()
    client = api(users[Role.FINANCE])
    assert client.get(f"/api/v1/assets/{asset.pk}/").status_code == 200
    response = client.post(
        f"/api/v1/assets/{asset.pk}/move/", {"to_site": str(site.pk), "reason": "x"}, format="json"
    )
    assert response.status_code == 403
    asset.refresh_from_db()
    assert asset.status == "in_stock"


@pytest.mark.parametrize("role", [Role.AGENT, Role.SALES, Role.MARKETING])
def test_roles_without_assets_get_403(api, users, make_asset, role):
    asset = make_asset()
    client = api(users[role])
    for path in (
        "/api/v1/assets/",
        f"/api/v1/assets/{asset.pk}/",
        "/api/v1/asset-movements/",
        "/api/v1/assets/inventory-value/",
        "/api/v1/assets/warranty/",
    ):
        assert client.get(path).status_code == 403, path


def test_list_filters_and_search(api, tech, make_asset, site):
    make_asset(serial_number="AAA-1", site=site, reason="i")
    make_asset(serial_number="BBB-2", type_code="ups")
    client = api(tech)
    by_status = client.get("/api/v1/assets/?status=deployed").json()["results"]
    assert [a["serial_number"] for a in by_status] == ["AAA-1"]
    by_search = client.get("/api/v1/assets/?search=bbb").json()["results"]
    assert [a["serial_number"] for a in by_search] == ["BBB-2"]
    by_site = client.get(f"/api/v1/assets/?site={site.pk}").json()["results"]
    assert [a["serial_number"] for a in by_site] == ["AAA-1"]


def test_list_query_count_does_not_grow_with_rows(api, tech, make_asset, site):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = api(tech)
    make_asset(site=site, reason="i")
    with CaptureQueriesContext(connection) as few:
        client.get("/api/v1/assets/")
    for _ in range(5):
        make_asset(site=site, reason="i")
    with CaptureQueriesContext(connection) as many:
        assert len(client.get("/api/v1/assets/").json()["results"]) == 6
    assert len(many) == len(few)


def test_warranty_list(api, tech, make_asset):
    today = timezone.localdate()
    make_asset(serial_number="SOON", warranty_end=today + dt.timedelta(days=10))
    make_asset(serial_number="LATER", warranty_end=today + dt.timedelta(days=100))
    make_asset(serial_number="PAST", warranty_end=today - dt.timedelta(days=1))
    client = api(tech)
    rows = client.get("/api/v1/assets/warranty/?days=30").json()
    assert [a["serial_number"] for a in rows] == ["SOON"]
    assert client.get("/api/v1/assets/warranty/?days=abc").status_code == 400


def test_inventory_value_per_site_and_type(api, users, make_asset, make_site, tech):
    site_a, site_b = make_site(name="A", code="AAA"), make_site(name="B", code="BBB")
    make_asset(site=site_a, reason="i", purchase_cost=Decimal("100.10"))
    make_asset(site=site_a, reason="i", type_code="ups", purchase_cost=Decimal("50.00"))
    make_asset(site=site_b, reason="i", purchase_cost=Decimal("200.00"))
    make_asset(purchase_cost=None)  # in stock, no cost: counted, adds nothing
    retired = make_asset(purchase_cost=Decimal("999.00"))
    from erp.assets.services import retire_asset

    retire_asset(actor=tech, asset=retired, reason="broken")

    body = api(users[Role.FINANCE]).get("/api/v1/assets/inventory-value/").json()
    assert body["total"] == "350.10" and body["count"] == 4
    assert [(r["name"], r["count"], r["total"]) for r in body["by_site"]] == [
        ("A (AAA)", 2, "150.10"),
        ("B (BBB)", 1, "200.00"),
        ("No site", 1, "0.00"),
    ]
    assert [(r["name"], r["count"], r["total"]) for r in body["by_type"]] == [
        ("Router", 3, "300.10"),
        ("UPS", 1, "50.00"),
    ]


def test_labels_pdf_over_the_api(api, tech, make_asset):
    asset = make_asset(serial_number="LBL-1")
    response = api(tech).get(f"/api/v1/assets/labels/?ids={asset.pk}")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert api(tech).get("/api/v1/assets/labels/?ids=not-a-uuid").status_code == 400


def test_asset_types_list(api, tech):
    names = [t["name"] for t in api(tech).get("/api/v1/asset-types/").json()]
    assert names == ["Access point", "Cable", "Other", "Router", "Switch", "UPS"]
