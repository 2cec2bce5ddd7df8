"""Receipts: fixed-width text for 58 / 80 mm thermal printers (and for SMS later), and PDF."""

from __future__ import annotations

import textwrap

from django.conf import settings
from django.utils import timezone

from erp.core.money import format_money
from erp.core.pdf import render_pdf

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

    when = timezone.localtime(sale.sold_at).strftime("%Y-%m-%d %H:%M")
    lines = [
        # the seller's name on top (ORGANISATION_NAME), wrapped rather than cut
        *(piece.center(width) for piece in textwrap.wrap(settings.ORGANISATION_NAME, width)),
        sale.site.name[:width].center(width),
        "-" * width,
        pair(f"Receipt #{sale.receipt_number}", when),
        pair("Seller", sale.seller.get_full_name() or sale.seller.username),
    ]
    if sale.client_id:
        lines.append(pair("Client", str(sale.client.phone)))
    lines += [
        "-" * width,
        pair(sale.package.name, format_money(sale.price)),
    ]
    if sale.discount:
        lines.append(pair("Discount", "-" + format_money(sale.discount)))
    lines += [
        pair("TOTAL", format_money(sale.amount)),
        pair(
            "Paid by",
            sale.get_payment_method_display()
            + (f" {sale.payment_reference}" if sale.payment_reference else ""),
        ),
        "-" * width,
        "Voucher code".center(width),
        sale.voucher.code.center(width),
    ]
    if sale.voucher.password:
        lines += ["Password".center(width), sale.voucher.password.center(width)]
    lines.append("-" * width)
    return [piece for line in lines for piece in line.split("\n")]


def receipt_text(sale: Sale, *, layout: str = "58mm") -> str:
    return "\n".join(receipt_lines(sale, width=WIDTHS.get(layout, 32))) + "\n"


def receipt_html(sale: Sale, *, layout: str = "80mm") -> str:
    """The receipt's fixed-width text in a <pre>, escaped, sized for the roll."""
    from django.utils.html import escape

    width_mm = 58 if layout == "58mm" else 80
    text = receipt_text(sale, layout=layout)
    return (
        f"<html><head><style>@page {{ size: {width_mm}mm 140mm; margin: 3mm; }}"
        "pre { font-family: 'DejaVu Sans Mono', monospace; font-size: "
        f"{'7.2' if width_mm == 58 else '7.8'}pt; margin: 0; }}</style></head>"
        f"<body><pre>{escape(text)}</pre></body></html>"
    )


def receipt_pdf(sale: Sale, *, layout: str = "80mm") -> bytes:
    return render_pdf(receipt_html(sale, layout=layout))
