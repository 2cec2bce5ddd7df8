"""The product's face in a real browser: the login page names the product and the
organisation, its icons load, and nothing fails in the console; the same on a phone and on
the 404 page."""

from __future__ import annotations

import base64

import pytest

from erp.accounts.roles import Role
from tests.browser.helpers import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ORG = "Kilimo WiFi Ltd"

# Fetch every icon the page links and decode each image: [href, status, width, height].
LOAD_ICONS = """
async () => Promise.all(
  [...document.querySelectorAll('link[rel~="icon"], link[rel="apple-touch-icon"]')].map(
    async (link) => {
      const response = await fetch(link.href);
      const image = new Image();
      image.src = link.href;
      try { await image.decode(); } catch (e) { return [link.href, response.status, 0, 0]; }
      return [link.href, response.status, image.naturalWidth, image.naturalHeight];
    }
  )
)
"""


def _check_icons(page) -> None:
    icons = page.evaluate(LOAD_ICONS)
    assert len(icons) == 5, icons
    for href, status, width, height in icons:
        assert status == 200 and width > 0 and height > 0, href
    sizes = {href.rsplit("/", 1)[-1]: (width, height) for href, _, width, height in icons}
    assert sizes["icon-192.png"] == (192, 192) and sizes["icon-512.png"] == (512, 512)
    assert sizes["apple-touch-icon.png"] == (180, 180)


def test_login_page_shows_product_and_organisation(page_for, shot, settings):
    settings.ORGANISATION_NAME = ORG
    page = page_for()
    failed = []
    page.on("response", lambda r: r.status >= 400 and failed.append(r.url))
    page.goto(f"{page.base}/accounts/login/")

    assert page.title() == "Log in - ViorNet"
    assert page.inner_text(".vf-page-lockscreen__sidebar-header-title").strip() == "ViorNet"
    subtitle = page.inner_text(".vf-page-lockscreen__sidebar-header-subtitle").strip()
    assert subtitle == f"{ORG} · WiFi vouchers, sites and sales"
    assert "Viewflow" not in page.content()
    # the panel on the coloured side: the mark, the product, the organisation
    panel = page.locator(".erp-brand-panel")
    assert panel.is_visible() and ORG in panel.inner_text()
    assert page.eval_on_selector(".erp-brand-panel__mark", "img => img.naturalWidth") > 0
    _check_icons(page)
    shot(page, "branding-login")

    favicon = page.request.get(f"{page.base}/favicon.ico")
    assert favicon.status == 200 and favicon.headers["content-type"] == "image/x-icon"
    assert page.console_errors == [] and failed == []


def test_login_on_a_phone_and_the_404_page(page_for, shot, settings, make_user):
    settings.ORGANISATION_NAME = ORG
    page = page_for(390, 844)
    page.goto(f"{page.base}/accounts/login/")
    assert ORG in page.inner_text(".vf-page-lockscreen__sidebar-header-subtitle")
    shot(page, "branding-login-phone")

    user = make_user(Role.SALES, "asha")
    page = page_for()
    login(page, user.username)
    _check_icons(page)  # the app's pages link the same icons
    assert page.console_errors == []
    failed = []
    page.on("response", lambda r: r.status >= 400 and failed.append(r.url))
    response = page.goto(f"{page.base}/no-such-page/")
    assert response.status == 404
    assert "Page not found" in page.inner_text("body") and ORG in page.inner_text("body")
    _check_icons(page)
    shot(page, "branding-404")
    # the page's own 404 is the only failure (Chromium logs it as a console error too)
    assert failed == [f"{page.base}/no-such-page/"] and len(page.console_errors) == 1
    page.click("text=Back to ViorNet")
    page.wait_for_url(f"{page.base}/dashboard/")


def test_the_icon_drawn_large(page_for, shot):
    """Not an assertion on pixels: a picture of the SVG mark as browsers draw it, to look at."""
    page = page_for(360, 290)
    response = page.request.get(f"{page.base}/static/erp/icon.svg")
    assert response.status == 200 and response.headers["content-type"] == "image/svg+xml"
    src = "data:image/svg+xml;base64," + base64.b64encode(response.body()).decode()
    page.set_content(
        '<body style="margin:0;padding:16px;background:#eee;display:flex;gap:16px">'
        + "".join(f'<img src="{src}" width="{size}" height="{size}">' for size in (256, 32, 16))
    )
    assert page.evaluate("[...document.images].every(i => i.complete && i.naturalWidth)")
    shot(page, "branding-icon-svg")
