"""Receipts: fixed-width text for 58 / 80 mm thermal printers (and for SMS later), and PDF."""

from __future__ import annotations

import textwrap
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext as _

from erp.core.formats import zone_of
from erp.core.money import format_money
from erp.core.pdf import render_pdf
from erp.vouchers.printing import validity_text

from .models import Sale

WIDTHS = {"58mm": 32, "80mm": 48}


def receipt_lines(sale: Sale, *, width: int = 32) -> list[str]:
    def pair(left: str, right: str) -> str:
        space = max(1, width - len(left) - len(right))
        return (
            (left + " " * space + right)[:width]
            if len(left) + len(right) < width
            else f"{left}\n{right.rjust(width)}"
        )

    when = timezone.localtime(sale.sold_at, zone_of(sale.site)).strftime("%Y-%m-%d %H:%M")
    lines = [
        # the seller's name on top (ORGANISATION_NAME), wrapped rather than cut
        *(piece.center(width) for piece in textwrap.wrap(settings.ORGANISATION_NAME, width)),
        sale.site.name[:width].center(width),
        "-" * width,
        pair(_("Receipt #%(number)s") % {"number": sale.receipt_number}, when),
        pair(_("Seller"), sale.seller.get_full_name() or sale.seller.username),
    ]
    if sale.client_id:
        lines.append(pair(_("Client"), str(sale.client.phone)))
    lines += [
        "-" * width,
        pair(sale.package.name, format_money(sale.price)),
    ]
    if sale.discount:
        lines.append(pair(_("Discount"), "-" + format_money(sale.discount)))
    lines += [
        pair(_("TOTAL"), format_money(sale.amount)),
        pair(
            _("Paid by"),
            sale.get_payment_method_display()
            + (f" {sale.payment_reference}" if sale.payment_reference else ""),
        ),
        "-" * width,
        _("Voucher code").center(width),
        sale.voucher.code.center(width),
    ]
    if sale.voucher.password:
        lines += [_("Password").center(width), sale.voucher.password.center(width)]
    lines.append("-" * width)
    lines += [
        *textwrap.wrap(
            _("Valid for %(validity)s from your first login.")
            % {"validity": validity_text(sale.package.validity_seconds)},
            width,
        ),
        *how_to_connect(sale.site, width),
        "-" * width,
    ]
    return [piece[:width] for line in lines for piece in line.split("\n")]


def login_page(site) -> str:
    """The site's login page, else the host and path of the configured hotspot login URL."""
    if site.login_page:
        return site.login_page
    parts = urlsplit(settings.HOTSPOT_LOGIN_URL)
    return f"{parts.netloc}{parts.path}" if parts.netloc else ""


def how_to_connect(site, width: int) -> list[str]:
    """Join the site's WiFi, open its login page, type the code — wrapped to the roll."""
    steps = []
    if site.wifi_name:
        steps.append(_("1. Join the WiFi %(name)s") % {"name": site.wifi_name})
    page = login_page(site)
    if page:
        steps.append(_("%(n)s. Open %(page)s") % {"n": len(steps) + 1, "page": page})
    steps.append(_("%(n)s. Enter the voucher code") % {"n": len(steps) + 1})
    return [piece for step in steps for piece in textwrap.wrap(step, width, break_long_words=True)]


def receipt_text(sale: Sale, *, layout: str = "58mm") -> str:
    return "\n".join(receipt_lines(sale, width=WIDTHS.get(layout, 32))) + "\n"


def receipt_html(sale: Sale, *, layout: str = "80mm") -> str:
    """The receipt's fixed-width text in a <pre>, escaped, sized for the roll."""
    width_mm = 58 if layout == "58mm" else 80
    text = receipt_text(sale, layout=layout)
    lines = text.count("\n") + 1
    return (
        f"<html><head><style>@page {{ size: {width_mm}mm {max(140, 12 + lines * 3.6):.0f}mm;"
        f" margin: {MARGIN_MM}mm; }}"
        "pre { font-family: 'DejaVu Sans Mono', monospace; font-size: "
        f"{font_pt(width_mm, WIDTHS[layout])}pt; line-height: 1.2; margin: 0; }}</style></head>"
        f"<body><pre>{escape(text)}</pre></body></html>"
    )


MARGIN_MM = 3
MONO_ADVANCE = 0.602  # DejaVu Sans Mono: each character is 0.602 em wide


def font_pt(width_mm: float, columns: int) -> float:
    """The largest size (in 0.1 pt, 8 % spare for glyph overhang) at which ``columns``
    monospaced characters fit the roll's printable width: 48 columns at 7.8 pt were 79.5 mm
    on the 74 mm of an 80 mm roll."""
    printable = width_mm - 2 * MARGIN_MM
    size = printable / (columns * MONO_ADVANCE) * 72 / 25.4 * 0.92
    return int(size * 10) / 10


def receipt_pdf(sale: Sale, *, layout: str = "80mm") -> bytes:
    return render_pdf(receipt_html(sale, layout=layout))
