"""Voucher cards as PDF (A4 grid, 58 mm and 80 mm thermal rolls) and batches as CSV.

Each card: the organisation (ORGANISATION_NAME), site, package, price, validity, the code large
in a monospace font, and a QR code of the hotspot login URL with the code filled in
(HOTSPOT_LOGIN_URL). QR codes are inline PNG data (no image files, nothing fetched), and
WeasyPrint lays the HTML out.
"""

from __future__ import annotations

import base64
import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import quote

import qrcode
from django.conf import settings
from django.http import HttpResponse
from django.template import Context
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from qrcode.image.pil import PilImage

from erp.core.money import format_money
from erp.core.pdf import render_pdf
from erp.core.spreadsheet import as_text
from erp.core.units import duration_text
from erp.sites.models import Site

from . import codes
from .card_templates import SAMPLE_CARD, card_engine
from .models import CardTemplate, Package, Voucher


@dataclass(frozen=True)
class Layout:
    name: str
    page: str  # CSS @page size
    height_mm: float  # printable height
    margin: str
    columns: int
    code_size: str
    qr_size: str


LAYOUTS = {
    "a4": Layout("a4", "A4", 273, "12mm 8mm", 3, "13pt", "20mm"),
    "58mm": Layout("58mm", "58mm 62mm", 58, "2mm", 1, "12pt", "18mm"),
    "80mm": Layout("80mm", "80mm 62mm", 58, "2mm", 1, "15pt", "22mm"),
}
MAX_CARDS_PER_PAGE = 40


def login_url(voucher: Voucher) -> str:
    return settings.HOTSPOT_LOGIN_URL.format(
        code=quote(voucher.code), password=quote(voucher.login_password)
    )


def _qr_png(data: str) -> str:
    """A QR code as a PNG data URI. The mask is fixed (any of the eight is valid; choosing the
    "best" one costs three times as long), and PNG lays out faster than inline SVG."""
    qr = qrcode.QRCode(box_size=6, border=1, mask_pattern=0, image_factory=PilImage)
    qr.add_data(data)
    qr.make(fit=True)
    buffer = io.BytesIO()
    qr.make_image().save(buffer)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def _validity(seconds: int) -> str:
    """A package's validity on a card or a receipt ("1 day 2 h"), in the active language:
    the one duration formatter, erp.core.units.duration_text."""
    return duration_text(seconds)


validity_text = _validity  # public: a package's validity as people read it ("1 day 2 h")


def _card_renderer(body: str | None = None):
    """A card template (the given body, else the active one) as card -> HTML; None for the
    built-in card."""
    if body is None:
        active = CardTemplate.objects.filter(is_active=True).first()
        if active is None:
            return None
        body = active.body
    template = card_engine().from_string(body)
    return lambda card: mark_safe(template.render(Context(card)))  # noqa: S308 - autoescaped


def cards_html(
    vouchers: Iterable[Voucher],
    *,
    layout: str = "a4",
    per_page: int = 12,
    template_body: str | None = None,
) -> str:
    """The cards as HTML: pages of rows of cards (one card a page on thermal rolls)."""
    if layout not in LAYOUTS:
        raise ValueError(f"unknown layout {layout!r}; use one of {', '.join(LAYOUTS)}")
    if not 1 <= per_page <= MAX_CARDS_PER_PAGE:
        raise ValueError(f"cards per page must be between 1 and {MAX_CARDS_PER_PAGE}")
    chosen = LAYOUTS[layout]
    organisation = settings.ORGANISATION_NAME
    cards = [
        {
            "organisation": organisation,
            "code": v.code,
            "password": v.password,
            "site": v.site.name,
            "package": v.package.name,
            "price": format_money(v.package.price),
            "validity": _validity(v.package.validity_seconds),
            "qr": _qr_png(login_url(v)),
        }
        for v in vouchers
    ]
    render = _card_renderer(template_body)
    if render is not None:
        for card in cards:
            card["custom"] = render(card)
    per_page = per_page if layout == "a4" else 1
    rows = max(1, -(-per_page // chosen.columns))
    pages = []
    for start in range(0, len(cards), per_page):
        chunk = cards[start : start + per_page]
        chunk += [None] * (-len(chunk) % chosen.columns)  # fill the last row
        pages.append([chunk[k : k + chosen.columns] for k in range(0, len(chunk), chosen.columns)])
    context = {
        "pages": pages,
        "layout": chosen,
        "margin": chosen.margin,
        "qr_size": chosen.qr_size,
        "card_height": f"{chosen.height_mm / rows - 6:.1f}mm",
    }
    return render_to_string("vouchers/cards.html", context)


def cards_pdf(
    vouchers: Iterable[Voucher],
    *,
    layout: str = "a4",
    per_page: int = 12,
    template_body: str | None = None,
) -> bytes:
    html = cards_html(vouchers, layout=layout, per_page=per_page, template_body=template_body)
    return render_pdf(html)


def sample_vouchers(count: int = 6) -> list[Voucher]:
    """Unsaved vouchers for a preview: nothing real is printed."""
    package = Package(name=SAMPLE_CARD["package"], price=Decimal("1000"), validity_seconds=86400)
    site = Site(name=SAMPLE_CARD["site"], code="SAMPLE")
    return [
        Voucher(code=code, package=package, site=site) for code in codes.unique_codes(count, 11)
    ]


def batch_csv(vouchers: Iterable[Voucher]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["code", "password", "package", "price", "site", "status", "agent", "login_url"]
    )
    for v in vouchers:
        row = [
            v.code,
            v.login_password,
            v.package.name,
            f"{v.package.price:.2f}",
            v.site.code,
            v.status,
            v.agent.username if v.agent_id else "",
            login_url(v),
        ]
        writer.writerow([as_text(value) for value in row])  # names never become formulas
    return out.getvalue()


def batch_csv_response(batch):
    """The batch's codes as a CSV download (for the API and the batch page alike)."""
    vouchers = batch.vouchers.select_related("package", "site", "agent").order_by("code")
    response = HttpResponse(batch_csv(vouchers.iterator(chunk_size=5000)), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="vouchers-{batch.pk}.csv"'
    return response
