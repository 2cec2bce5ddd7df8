"""A site's page on a 360 px phone (issue 23): its operation figures, routers and agents read
without the page scrolling sideways."""

from __future__ import annotations

import re
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
    # a site with a downtime when the demo has one: its rows link to their faults
    sites = Site.objects.filter(routers__isnull=False).order_by("pk")
    site = sites.filter(downtimes__fault__isnull=False).first() or sites.first()
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
    if site.downtimes.exists():
        link = page.locator("#site-downtimes a[href^='/faults/fault/']").first
        assert link.is_visible() and link.inner_text().startswith("F-")
    shot(page, f"site-detail-360-{username}")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, page.evaluate(WIDE)
    assert page.console_errors == []


def test_the_super_admin_sets_a_sites_time_zone_on_its_form(page_for, shot, make_user, make_site):
    """Issue 21: a West African site's clock, chosen on the site's form at phone width."""
    from erp.accounts.roles import Role
    from tests.browser.helpers import login

    admin = make_user(Role.SUPER_ADMIN, "saa")
    site = make_site(name="Plateau", code="DKR-01")
    page = page_for(width=360, height=740)
    login(page, admin.username)
    page.goto(f"{page.base}/network/site/{site.pk}/change/")
    zone = page.locator("vf-field-select[name=time_zone]")
    assert "Africa/Dar es Salaam" in zone.inner_text()  # the installation's, to start with
    zone.click()
    page.get_by_role("option", name="Africa/Dakar", exact=True).click()
    shot(page, "site-time-zone-360")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r".*/detail/$"))
    site.refresh_from_db()
    assert site.time_zone == "Africa/Dakar"
