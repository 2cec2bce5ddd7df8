"""Asset labels: an A4 PDF whose text has every serial and whose QR codes, read back from the
rendered page, are the assets' page addresses."""

from __future__ import annotations

import io
import shutil
import subprocess

import pytest
import zxingcpp
from PIL import Image

from erp.assets.labels import labels_pdf
from tests.conftest import require

pytestmark = pytest.mark.django_db


def _pdf_text(pdf: bytes) -> str:
    tool = shutil.which("pdftotext")
    require(bool(tool), "needs pdftotext (poppler-utils)")
    return subprocess.run(
        [tool, "-layout", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()


def _qr_codes(pdf: bytes) -> set[str]:
    """Render page 1 at 150 dpi and read every QR code on it."""
    tool = shutil.which("pdftoppm")
    require(bool(tool), "needs pdftoppm (poppler-utils)")
    png = subprocess.run(
        [tool, "-r", "150", "-f", "1", "-l", "1", "-png", "-singlefile", "-"],
        input=pdf,
        capture_output=True,
        check=True,
    ).stdout
    image = Image.open(io.BytesIO(png))
    return {
        b.text for b in zxingcpp.read_barcodes(image) if b.format == zxingcpp.BarcodeFormat.QRCode
    }


def test_labels_carry_serials_and_qr_codes_of_the_asset_pages(make_asset, settings):
    settings.PUBLIC_BASE_URL = "https://erp.example.com"
    assets = [make_asset(serial_number=f"LBL-{i}", model="hAP ax2") for i in range(5)]
    pdf = labels_pdf(assets)
    text = _pdf_text(pdf)
    for asset in assets:
        assert asset.serial_number in text
    assert "hAP ax2" in text
    assert _qr_codes(pdf) == {
        f"https://erp.example.com/assets/asset/{a.pk}/detail/" for a in assets
    }


def test_a_full_sheet_is_24_labels_then_a_new_page(make_asset):
    from pypdf import PdfReader

    assets = [make_asset() for _ in range(25)]
    pdf = labels_pdf(assets, base_url="http://127.0.0.1:8000/")
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 2


def test_labels_page_prints_the_filtered_list(client, tech, make_asset, make_site):
    site = make_site(name="Kariakoo", code="KKO")
    make_asset(serial_number="HERE-1", site=site, reason="i")
    make_asset(serial_number="STOCK-1")
    client.force_login(tech)
    response = client.get(f"/assets/asset/labels/?site={site.pk}")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = _pdf_text(response.content)
    assert "HERE-1" in text and "STOCK-1" not in text
    assert client.get("/assets/asset/labels/?ids=nope").status_code == 400
