"""The first minutes of a newcomer after `make run`: each demo login printed by seed_demo logs
in through the form, lands on its role's workbench, and every page its menu and tiles lead to
answers without a server error, without console errors, and with the product's own name —
never a library's demo name. Screenshots: test-artifacts/demo-<login>.png."""

from __future__ import annotations

from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command

from erp.demo.management.commands.seed_demo import DEMO_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# login → a tile its workbench must show (tests/browser/test_home.py checks them all)
LOGINS = {
    "admin": "revenue-today",
    "finance": "expenses-to-approve",
    "sales": "batches-in-progress",
    "marketing": "access-ending",
    "technician": "faults-to-repair",
    "techlead": "fault-queue",
    "agent": "balance-owed",
    "agent2": "stock",
}

# Links that leave the pages a person browses: logging out, downloads, the API browser.
SKIP = ("/accounts/logout", "/api/", "/admin/", "/i18n/", "/static/", "/media/")


def _links(page) -> set[str]:
    hrefs = page.eval_on_selector_all("a[href^='/']", "els => els.map(e => e.getAttribute('href'))")
    return {h.split("#")[0] for h in hrefs if h and not h.startswith(SKIP) and "pdf" not in h}


@pytest.fixture
def demo(roles, asset_types):
    # a transactional test before this one flushed what the data migrations seeded
    call_command("seed_demo", stdout=StringIO())


def test_each_demo_login_lands_on_its_workbench_and_its_pages_wear_the_product_name(
    demo, page_for, shot
):
    for username, tile in LOGINS.items():
        page = page_for(1280, 900)
        page.goto(f"{page.base}/accounts/login/")
        assert "Viewflow Demo" not in page.content()
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", DEMO_PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{page.base}/dashboard/")
        page.wait_for_selector(f"[data-tile='{tile}']")
        shot(page, f"demo-{username}")
        assert settings.ERP_SITE_TITLE in page.title(), username

        visited = {"/dashboard/"}
        for href in sorted(_links(page) - visited):
            response = page.goto(f"{page.base}{href}")
            visited.add(href)
            assert response is not None, (username, href)
            assert response.status < 400, (username, href, response.status)
            assert "Viewflow Demo" not in page.content(), (username, href)
        assert len(visited) > 3, (username, visited)
        assert page.console_errors == [], (username, page.console_errors)
