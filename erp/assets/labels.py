"""Asset labels as an A4 PDF sheet: a grid of labels, each with a QR code of the asset's page
and its type, serial and model, to stick on the equipment.

QR codes are inline PNG data (nothing fetched); WeasyPrint lays the HTML out, as for voucher
cards (erp/vouchers/printing.py).
"""

from __future__ import annotations

import base64
import io
from collections.abc import Iterable

import qrcode
from django.conf import settings
from django.template.loader import render_to_string
from qrcode.image.pil import PilImage

from erp.core.pdf import render_pdf

from .models import Asset

MAX_LABELS = 500
COLUMNS = 3
ROWS = 8  # 24 labels a sheet, about 63 x 34 mm each


def asset_url(asset: Asset, *, base_url: str = "") -> str:
    """The absolute address of the asset's page: PUBLIC_BASE_URL, else the given base."""
    base = (settings.PUBLIC_BASE_URL or base_url or "").rstrip("/")
    return base + asset.get_absolute_url()


def qr_png(data: str) -> bytes:
    qr = qrcode.QRCode(box_size=6, border=1, mask_pattern=0, image_factory=PilImage)
    qr.add_data(data)
    qr.make(fit=True)
    buffer = io.BytesIO()
    qr.make_image().save(buffer)
    return buffer.getvalue()


def labels_html(assets: Iterable[Asset], *, base_url: str = "") -> str:
    labels = []
    for asset in assets:
        url = asset_url(asset, base_url=base_url)
        labels.append(
            {
                "type": asset.asset_type.name,
                "serial": asset.serial_number,
                "model": " ".join(p for p in (asset.vendor, asset.model) if p),
                "url": url,
                "qr": "data:image/png;base64," + base64.b64encode(qr_png(url)).decode(),
            }
        )
    per_page = COLUMNS * ROWS
    pages = []
    for start in range(0, len(labels), per_page):
        chunk = labels[start : start + per_page]
        chunk += [None] * (-len(chunk) % COLUMNS)
        pages.append([chunk[k : k + COLUMNS] for k in range(0, len(chunk), COLUMNS)])
    return render_to_string(
        "assets/labels.html", {"pages": pages, "title": settings.ORGANISATION_NAME}
    )


def labels_pdf(assets: Iterable[Asset], *, base_url: str = "") -> bytes:
    return render_pdf(labels_html(assets, base_url=base_url))
