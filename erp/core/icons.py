"""Draws the product's icon: a voucher (a ticket with a notch on each side) in the primary
colour, with a WiFi mark on it. One geometry, written as SVG and drawn with Pillow as the PNGs
and the .ico, into erp/core/static/erp/ (the files are committed; run this again after
changing the mark):

    .venv/bin/python -m erp.core.icons

Files: icon.svg, icon-192.png, icon-512.png (transparent notches), apple-touch-icon.png
(180 x 180, opaque: iOS shows transparency as black and rounds the corners itself) and
favicon.ico (16, 32 and 48 px). The pages link them (erp/templates/erp/includes/icons.html);
`favicon` serves /favicon.ico, which browsers ask for whatever a page links.
"""

from __future__ import annotations

import math
from pathlib import Path

from django.http import FileResponse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe
from PIL import Image, ImageDraw

STATIC = Path(__file__).resolve().parent / "static" / "erp"
PRIMARY = "#0d47a1"  # erp.core.branding.PRIMARY_COLOR (this module runs without Django)
WHITE = "#ffffff"

# The mark on a 64 x 64 grid.
GRID = 64
CORNER = 14  # corner radius of the card
NOTCH = 6  # radius of the notches, centred on the left and right edges
CENTRE = (32.0, 43.0)  # centre of the WiFi arcs
DOT = 4.5  # radius of the dot
ARCS = (13.0, 24.0)  # radii of the arcs' centre lines
STROKE = 6.0
SPREAD = 45  # each arc spans this many degrees either side of straight up


def _arc_ends(radius: float) -> tuple[tuple[float, float], tuple[float, float]]:
    cx, cy = CENTRE
    left, right = math.radians(270 - SPREAD), math.radians(270 + SPREAD)
    return (
        (cx + radius * math.cos(left), cy + radius * math.sin(left)),
        (cx + radius * math.cos(right), cy + radius * math.sin(right)),
    )


def svg() -> str:
    arcs = []
    for radius in ARCS:
        (x1, y1), (x2, y2) = _arc_ends(radius)
        arcs.append(f'<path d="M{x1:.2f} {y1:.2f}A{radius:g} {radius:g} 0 0 1 {x2:.2f} {y2:.2f}"/>')
    cx, cy = CENTRE
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {GRID} {GRID}">'
        '<mask id="notches">'
        f'<rect width="{GRID}" height="{GRID}" fill="#fff"/>'
        f'<circle cx="0" cy="{GRID / 2:g}" r="{NOTCH}"/>'
        f'<circle cx="{GRID}" cy="{GRID / 2:g}" r="{NOTCH}"/>'
        "</mask>"
        f'<rect width="{GRID}" height="{GRID}" rx="{CORNER}" fill="{PRIMARY}"'
        ' mask="url(#notches)"/>'
        f'<g fill="none" stroke="{WHITE}" stroke-width="{STROKE:g}" stroke-linecap="round">'
        + "".join(arcs)
        + "</g>"
        f'<circle cx="{cx:g}" cy="{cy:g}" r="{DOT}" fill="{WHITE}"/>'
        "</svg>\n"
    )


def draw(size: int, *, opaque: bool = False) -> Image.Image:
    """The mark at `size` pixels, drawn 4 times larger and scaled down (anti-aliased)."""
    big = size * 4
    k = big / GRID
    image = Image.new("RGBA", (big, big), PRIMARY if opaque else (0, 0, 0, 0))
    pen = ImageDraw.Draw(image)

    def circle(x: float, y: float, r: float, fill) -> None:
        pen.ellipse([(x - r) * k, (y - r) * k, (x + r) * k, (y + r) * k], fill=fill)

    if not opaque:
        pen.rounded_rectangle([0, 0, big - 1, big - 1], radius=CORNER * k, fill=PRIMARY)
        clear = (0, 0, 0, 0)
        circle(0, GRID / 2, NOTCH, clear)
        circle(GRID, GRID / 2, NOTCH, clear)
    cx, cy = CENTRE
    for radius in ARCS:
        outer = radius + STROKE / 2
        box = [(cx - outer) * k, (cy - outer) * k, (cx + outer) * k, (cy + outer) * k]
        pen.arc(box, 270 - SPREAD, 270 + SPREAD, fill=WHITE, width=round(STROKE * k))
        for x, y in _arc_ends(radius):  # round caps
            circle(x, y, STROKE / 2, WHITE)
    circle(cx, cy, DOT, WHITE)
    return image.resize((size, size), Image.Resampling.LANCZOS)


@require_safe
@cache_control(max_age=86400, public=True)
def favicon(request):
    return FileResponse((STATIC / "favicon.ico").open("rb"), content_type="image/x-icon")


def main() -> None:
    STATIC.mkdir(parents=True, exist_ok=True)
    (STATIC / "icon.svg").write_text(svg())
    for size in (192, 512):
        draw(size).save(STATIC / f"icon-{size}.png", optimize=True)
    draw(180, opaque=True).convert("RGB").save(STATIC / "apple-touch-icon.png", optimize=True)
    # each size drawn at its own size (sharper than one image scaled by the encoder)
    small = [draw(16), draw(32)]
    draw(48).save(STATIC / "favicon.ico", sizes=[(16, 16), (32, 32), (48, 48)], append_images=small)


if __name__ == "__main__":
    main()
