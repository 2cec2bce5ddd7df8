"""Every menu page as each role meets it, on a 360 px phone and a 1280 px desktop (issue 23).

For each demo login the test opens every page of its menu (the top-level entries and each
application's own menu) and asserts: the page answers below 400, no resource it loads
answers 4xx/5xx, nothing is written to the console as an error, the page does not scroll
sideways, and on a phone no cell of a list is cut (lists are cards there). A screenshot of
each page is kept: test-artifacts/screens/<login>-<width>-<page>.png.
"""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from erp.demo.management.commands.seed_demo import DEMO_PASSWORD

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    # one login per test (seed_demo each): two widths × its menu pages
    pytest.mark.timeout(1500),
]

# every demo login (seed_demo): techlead is the technician who also leads (assigns faults),
# agent2 an agent at other sites than agent's
LOGINS = (
    "admin", "finance", "sales", "technician", "techlead", "agent", "agent2", "marketing",
)  # fmt: skip
WIDTHS = (360, 1280)
MENU = "a.vf-page__menu-list-item"
# Pages left out: logging out, and the Dash app, whose page is a canvas checked by
# tests/browser/test_analytics.py.
SKIP = ("/accounts/logout", "/analytics/", "/admin/")

# Cells of a phone's list cards whose text does not fit (should be none).
CUT_CELLS = """() => [...document.querySelectorAll('table.erp-cards tbody td')]
  .filter(td => td.offsetParent !== null && td.scrollWidth > td.clientWidth + 1)
  .map(td => (td.dataset.label || '') + ': ' + td.innerText.slice(0, 40))"""


@pytest.fixture
def demo(roles, asset_types):
    call_command("seed_demo", stdout=StringIO())


def _menu_pages(page) -> list[str]:
    top = page.eval_on_selector_all(MENU, "els => els.map(e => e.getAttribute('href'))")
    hrefs = set(top)
    for href in top:
        if href.startswith(SKIP):
            continue
        page.goto(f"{page.base}{href}")
        hrefs |= set(page.eval_on_selector_all(MENU, "els => els.map(e => e.getAttribute('href'))"))
    return sorted(h for h in hrefs if h and h.startswith("/") and not h.startswith(SKIP))


@pytest.mark.parametrize("username", LOGINS)
def test_every_menu_page_of_every_role_fits_a_phone_and_a_desktop(demo, page_for, shot, username):
    problems: list[str] = []
    seen = 0
    page = page_for(1280, 900)
    failed: list[str] = []
    page.on(
        "response",
        lambda r, failed=failed: r.status >= 400 and failed.append(f"{r.status} {r.url}"),
    )
    page.goto(f"{page.base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{page.base}/dashboard/")
    pages = _menu_pages(page)
    assert len(pages) >= 4, (username, pages)
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 800})
        for href in pages:
            failed.clear()
            page.console_errors.clear()
            response = page.goto(f"{page.base}{href}")
            page.wait_for_load_state("networkidle")
            seen += 1
            where = f"{username} {width}px {href}"
            name = href.strip("/").replace("/", "_") or "home"
            shot(page, f"screens/{username}-{width}-{name}")
            if response is None or response.status >= 400:
                problems.append(f"{where}: answered {response and response.status}")
            if failed:
                problems.append(f"{where}: resources failed {failed}")
            if page.console_errors:
                problems.append(f"{where}: console {page.console_errors}")
            scroll = page.evaluate("document.documentElement.scrollWidth")
            if scroll > width:
                problems.append(f"{where}: scrolls sideways ({scroll} px wide)")
            if width < 600:
                cut = page.evaluate(CUT_CELLS)
                if cut:
                    problems.append(f"{where}: cut cells {cut[:5]}")
    assert seen >= 8
    assert problems == []
