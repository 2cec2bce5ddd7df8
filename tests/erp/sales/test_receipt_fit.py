"""The printed receipt fits its roll: rendered to PNG (pdftoppm), no ink crosses the right
margin at 58 mm or 80 mm; and both receipts (the page and the PDF) say how long the access
lasts and how to connect (the site's WiFi name and login page)."""

from __future__ import annotations

import io
import shutil
import subprocess

import pytest
from PIL import Image
from pypdf import PdfReader

from erp.sales.models import Sale

DPI = 200


def _sell(client, stock, method="mobile", reference="MPESA-REF-2611-ABCDEFGHIJ"):
    client.force_login(stock["agent"])
    page = client.get("/pos/").content.decode()
    key = page.split('name="idempotency_key" value="')[1].split('"')[0]
    done = client.post(
        "/pos/",
        {
            "idempotency_key": key,
            "package": str(stock["package"].pk),
            "payment_method": method,
            "payment_reference": reference,
            "client_phone": "0754 999 000",
        },
    )
    assert done.status_code == 302
    return Sale.objects.get(), done["Location"]


def _ink_columns(pdf: bytes, tmp_path) -> tuple[int, int, int]:
    """(page width px, leftmost and rightmost column with ink) of the first page."""
    source = tmp_path / "r.pdf"
    source.write_bytes(pdf)
    subprocess.run(  # noqa: S603 - our own arguments
        [
            shutil.which("pdftoppm"),
            "-png",
            "-r",
            str(DPI),
            "-f",
            "1",
            "-l",
            "1",
            str(source),
            str(tmp_path / "r"),
        ],
        check=True,
    )
    image = Image.open(next(tmp_path.glob("r*.png"))).convert("L")
    ink = image.point(lambda v: 255 if v < 160 else 0)
    left, _top, right, _bottom = ink.getbbox()
    return image.width, left, right


@pytest.mark.django_db
@pytest.mark.skipif(not shutil.which("pdftoppm"), reason="needs poppler-utils' pdftoppm")
@pytest.mark.parametrize("layout,width_mm", [("58mm", 58), ("80mm", 80)])
def test_the_pdf_fits_the_roll(client, agent_with_stock, tmp_path, layout, width_mm):
    # a long seller name, a long reference: the lines that were cut before
    agent = agent_with_stock["agent"]
    agent.first_name, agent.last_name = "Bernadetha", "Mwakalinga-Kisanga"
    agent.save()
    sale, _url = _sell(client, agent_with_stock)
    pdf = client.get(f"/pos/receipt/{sale.pk}/pdf/", {"layout": layout}).content
    width_px, left, right = _ink_columns(pdf, tmp_path)
    assert abs(width_px - width_mm / 25.4 * DPI) < 3  # the page is the roll's width
    margin_px = 3 / 25.4 * DPI
    assert right <= width_px - margin_px + 1, f"ink at {right}px of {width_px}px ({layout})"
    assert left >= margin_px - 1
    # the right-aligned values are printed whole: the amount, the date, the seller
    text = " ".join(PdfReader(io.BytesIO(pdf)).pages[0].extract_text().split())
    assert "TSh 500" in text and sale.sold_at.strftime("%Y") in text
    assert "Valid for 1 h from your first login." in text


@pytest.mark.django_db
def test_both_receipts_say_how_long_and_how_to_connect(client, agent_with_stock):
    sale, receipt_url = _sell(client, agent_with_stock, method="cash", reference="")
    site = sale.site
    # Without WiFi details: the configured login page
    page = " ".join(client.get(receipt_url).content.decode().split())
    assert "Valid for 1 h from your first login." in page
    assert "Open hotspot.lan/login" in page and "Enter the voucher code" in page
    # With the site's WiFi name and login page, both the page and the PDF say them
    site.wifi_name, site.login_page = "Mbezi-Free-WiFi", "wifi.mbezi.lan"
    site.save()
    page = " ".join(client.get(receipt_url).content.decode().split())
    assert "1. Join the WiFi Mbezi-Free-WiFi" in page and "2. Open wifi.mbezi.lan" in page
    assert "3. Enter the voucher code" in page
    for layout in ("58mm", "80mm"):
        pdf = client.get(f"/pos/receipt/{sale.pk}/pdf/", {"layout": layout}).content
        text = " ".join(PdfReader(io.BytesIO(pdf)).pages[0].extract_text().split())
        assert "Mbezi-Free-WiFi" in text and "wifi.mbezi.lan" in text, layout
        assert "Valid for 1 h" in text


@pytest.mark.django_db
def test_the_site_api_takes_the_wifi_name_and_login_page(api, users, make_site):
    from erp.accounts.roles import Role

    site = make_site(name="Tegeta", code="DAR-TGT")
    response = api(users[Role.SUPER_ADMIN]).patch(
        f"/api/v1/sites/{site.pk}/",
        {"wifi_name": "Tegeta-WiFi", "login_page": "login.tegeta.lan"},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["wifi_name"] == "Tegeta-WiFi"
    site.refresh_from_db()
    assert (site.wifi_name, site.login_page) == ("Tegeta-WiFi", "login.tegeta.lan")
