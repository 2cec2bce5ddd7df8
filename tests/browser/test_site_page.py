"""A site's page on a 360 px phone (issue 23): its operation figures, routers and agents read
without the page scrolling sideways."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from erp.demo.management.commands.seed_demo import DEMO_PASSWORD
from erp.sites.models import Site

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Elements wider than the viewport, to say what overflows when the assertion fails.
WIDE = """() => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 0.5)
  .slice(0, 8).map(e => e.tagName + '#' + e.id + '.' + e.className + ' ' +
                   Math.round(e.getBoundingClientRect().right))"""


@pytest.mark.parametrize("username", ["admin", "sales"])
def test_site_page_fits_a_360px_phone(roles, asset_types, page_for, shot, username):
    call_command("seed_demo", stdout=StringIO())
    site = Site.objects.filter(routers__isnull=False).order_by("pk").first()
    page = page_for(width=360, height=740)
    page.goto(f"{page.base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{page.base}/dashboard/")
    page.goto(f"{page.base}/network/site/{site.pk}/detail/")
    page.wait_for_load_state("networkidle")
    # the page is the site's, with its operation and routers on it
    assert site.name in page.locator("body").inner_text()
    assert page.locator("#site-operation").is_visible()
    assert page.locator("#site-routers").is_visible()
    shot(page, f"site-detail-360-{username}")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, page.evaluate(WIDE)
    assert page.console_errors == []
