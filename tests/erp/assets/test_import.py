"""Bulk import from CSV and Excel: a preview with per-row errors that saves nothing, then an
all-or-nothing import."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from erp.assets.models import Asset, AssetMovement

pytestmark = pytest.mark.django_db

HEADER = (
    "type,serial_number,model,vendor,mac_address,purchase_date,purchase_cost,warranty_end,"
    "condition,site\n"
)


@pytest.fixture
def site(make_site):
    return make_site(name="Kariakoo", code="KKO")


def _csv(body: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("assets.csv", (HEADER + body).encode(), content_type="text/csv")


def test_preview_lists_every_row_error_and_saves_nothing(client, tech, site, make_asset):
    make_asset(serial_number="TAKEN")
    before = (Asset.objects.count(), AssetMovement.objects.count())
    client.force_login(tech)
    body = (
        "Router,R-100,hAP,MikroTik,aa:bb:cc:00:11:22,2026-01-05,120000,2027-01-05,good,KKO\n"
        "Router,taken,hAP,MikroTik,,,,,,\n"
        "Toaster,T-1,,,,,,,,\n"
        "UPS,U-1,,,,05/01/2026,lots,,broken,NOWHERE\n"
        "Router,R-100,hAP,MikroTik,,,,,,\n"
    )
    page = client.post("/assets/asset/import/", {"file": _csv(body)})
    assert page.status_code == 200
    rows = {r.line: r.errors for r in page.context["result"].rows}
    assert rows[2] == []
    assert rows[3] == ["serial_number: A router with serial TAKEN already exists."]
    assert rows[4] == ["type: Unknown asset type 'Toaster'."]
    assert sorted(rows[5]) == [
        "condition: Condition is one of new, good, fair, faulty.",
        "purchase_cost: Write the cost as a number, like 125000.00.",
        "purchase_date: Write the date as YYYY-MM-DD.",
        "site: No site NOWHERE that you work on.",
    ]
    # A serial repeated within the file is caught too
    assert rows[6] == ["serial_number: A router with serial R-100 already exists."]
    assert page.context["can_confirm"] is False
    assert b"rows have errors: nothing is imported" in page.content
    assert (Asset.objects.count(), AssetMovement.objects.count()) == before
    # And nothing can be confirmed
    client.post("/assets/asset/import/", {"confirm": "1"})
    assert (Asset.objects.count(), AssetMovement.objects.count()) == before


def test_clean_file_previews_then_imports_all(client, tech, site, types):
    client.force_login(tech)
    body = (
        'router,R-1,hAP,MikroTik,aabb.cc00.1122,2026-01-05,"120,000.00",2027-01-05,Good,kko\n'
        "Cable,C-1,,,,,,,,\n"
    )
    preview = client.post("/assets/asset/import/", {"file": _csv(body)})
    assert preview.context["can_confirm"] is True
    assert not Asset.objects.exists()

    done = client.post("/assets/asset/import/", {"confirm": "1"})
    assert done.status_code == 302
    router = Asset.objects.get(serial_number="R-1")
    assert (router.status, router.site, router.condition, str(router.purchase_cost)) == (
        "deployed",
        site,
        "good",
        "120000.00",
    )
    assert router.mac_address == "AA:BB:CC:00:11:22"
    assert Asset.objects.get(serial_number="C-1").status == "in_stock"
    assert router.history.first().history_change_reason == "imported from a file"


def test_excel_file_with_real_dates(client, tech, types):
    import datetime as dt

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Type", "Serial number", "Purchase date", "Purchase cost"])
    sheet.append(["Switch", "SW-9", dt.datetime(2026, 3, 1), 45000])
    buffer = io.BytesIO()
    workbook.save(buffer)
    upload = SimpleUploadedFile("assets.xlsx", buffer.getvalue())
    client.force_login(tech)
    preview = client.post("/assets/asset/import/", {"file": upload})
    assert preview.context["can_confirm"] is True, preview.context["result"].rows
    client.post("/assets/asset/import/", {"confirm": "1"})
    asset = Asset.objects.get(serial_number="SW-9")
    assert asset.purchase_date == dt.date(2026, 3, 1) and str(asset.purchase_cost) == "45000.00"


@pytest.mark.parametrize(
    "name,content,message",
    [
        ("a.txt", b"x", "Upload a .csv or .xlsx file."),
        ("a.xlsx", b"not a zip", "This is not a readable Excel (.xlsx) file."),
        ("a.csv", b"type,colour\nRouter,red\n", "Unknown columns: colour."),
        ("a.csv", b"type,model\nRouter,x\n", "The column serial_number is missing."),
        ("a.csv", b"", "The submitted file is empty."),
    ],
)
def test_unreadable_files_are_form_errors(client, tech, name, content, message):
    client.force_login(tech)
    page = client.post("/assets/asset/import/", {"file": SimpleUploadedFile(name, content)})
    assert page.status_code == 400
    assert message in " ".join(page.context["form"].errors["file"])
    assert not Asset.objects.exists()


def test_finance_may_not_import(client, users):
    from erp.accounts.roles import Role

    client.force_login(users[Role.FINANCE])
    assert client.get("/assets/asset/import/").status_code == 403
