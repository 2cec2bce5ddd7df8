"""Benchmark: 1,000 voucher cards on A4 as one PDF (target: under 30 s).

The baseline printed beside it is the same cards rendered to HTML only (QR codes included), so
the ratio says what the PDF layout costs on top.

    python bench/voucher_pdf.py --cards 1000
"""

from __future__ import annotations

import argparse
import os
import sys
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "erp.settings")

from bench.timing import Stopwatch, ratio  # noqa: E402 - after the path above


class _Site:
    name = "Kariakoo Market"


def run(cards: int) -> dict[str, float]:
    from erp.vouchers import codes, printing
    from erp.vouchers.models import Package, Voucher

    package = Package(name="1 Day", price=Decimal("1000"), validity_seconds=86400)
    vouchers = []
    for code in codes.unique_codes(cards, 11):
        voucher = Voucher(code=code, package=package)
        voucher._state.fields_cache["site"] = _Site()
        vouchers.append(voucher)
    with Stopwatch() as html:
        printing.cards_html(vouchers, layout="a4", per_page=12)
    # WeasyPrint works in this process: its CPU time does not grow when other work shares
    # the machine, the wall time does.
    with Stopwatch() as made:
        pdf = printing.cards_pdf(vouchers, layout="a4", per_page=12)
    return {
        "cards": cards,
        "html_s": html.seconds,
        "pdf_s": made.seconds,
        "pdf_cpu_s": made.cpu,
        "bytes": len(pdf),
        "ratio": ratio(made.seconds, html.seconds),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=1000)
    parser.add_argument("--max-seconds", type=float, default=30.0)
    args = parser.parse_args()
    import logging

    import django

    django.setup()
    logging.getLogger("weasyprint").setLevel(logging.WARNING)
    logging.getLogger("fontTools").setLevel(logging.WARNING)
    result = run(args.cards)
    print(f"cards={result['cards']} pdf={result['bytes'] / 1e6:.1f} MB")
    print(f"HTML only:  {result['html_s']:7.2f} s")
    print(f"PDF:        {result['pdf_s']:7.2f} s (target < {args.max_seconds:g} s)")
    print(f"ratio:      {result['ratio']:7.1f}x")
    return 0 if result["pdf_s"] < args.max_seconds else 1


if __name__ == "__main__":
    sys.exit(main())
