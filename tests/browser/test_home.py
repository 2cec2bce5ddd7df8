"""Each role logs in and lands on its workbench: its tiles, no console errors, a tile's link
reaches its page; at 1280 and 360 px (no sideways scrolling on the phone). Screenshots are
kept in test-artifacts/home-<role>-<width>.png."""

from __future__ import annotations

import pytest

from analytics import rollups
from erp.accounts.roles import Role
from tests.browser.helpers import login
from tests.workday import build_workday, noon_today

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Per role: the tiles on its page, the tile whose main link is clicked, and a text of the
# page that link opens.
ROLES = {
    Role.AGENT: (
        ["sales-today", "stock", "balance-owed"],
        "balance-owed",
        "3,600",
    ),
    Role.FINANCE: (
        ["sales-today", "expenses-to-approve", "batches-to-approve", "remittances-overdue"],
        "expenses-to-approve",
        "Landlord",
    ),
    Role.TECHNICAL: (
        ["faults-to-repair", "fault-queue", "routers-down"],
        "faults-to-repair",
        "Kariakoo",
    ),
    Role.MARKETING: (["access-ending"], "access-ending", "Asha"),
    Role.SALES: (["batches-in-progress", "stock", "sales-today"], "batches-in-progress", "Hour"),
    Role.SUPER_ADMIN: (
        [
            "revenue-today",
            "routers-down",
            "faults-past-sla",
            "batches-to-approve",
            "expenses-to-approve",
        ],
        "routers-down",
        "mbz-hap",
    ),
}


# Some figures each role reads on its page (the selectors' tests check them all).
FIGURES = {
    Role.AGENT: {"sales-today": "TSh 1,000", "balance-owed": "TSh 3,600"},
    Role.FINANCE: {"sales-today": "TSh 2,000", "remittances-overdue": "never remitted"},
    Role.TECHNICAL: {"faults-to-repair": "1 overdue · 1 escalated"},
    Role.MARKETING: {"access-ending": "1 of them agreed"},
    Role.SUPER_ADMIN: {"revenue-today": "+100.0 %", "faults-past-sla": "1 escalated"},
}


@pytest.fixture
def workday(users, make_user, make_site, make_router, make_client):
    """The day's data, and the server's clock at noon (ticking) so the page's figures are the
    day's whatever the hour the test runs."""
    import time_machine

    now = noon_today()
    with time_machine.travel(now, tick=True):
        world = build_workday(
            users=users,
            make_user=make_user,
            make_site=make_site,
            make_router=make_router,
            make_client=make_client,
            now=now,
        )
        rollups.refresh()
        yield world


def _tiles(page) -> list[str]:
    # The login form is submitted by Turbo: the new page's body may arrive just after its URL.
    page.wait_for_selector("[data-tile]")
    return page.eval_on_selector_all("[data-tile]", "els => els.map(e => e.dataset.tile)")


@pytest.mark.parametrize("role", list(ROLES))
def test_each_role_lands_on_its_workbench(page_for, shot, users, workday, role):
    tiles, clicked, text = ROLES[role]
    slug = role.lower().replace(" ", "-")

    page = page_for(width=1280)
    login(page, users[role].username)  # the login goes to "/", which is the workbench
    assert _tiles(page) == tiles
    for key, figure in FIGURES.get(role, {}).items():
        # (money keeps its symbol with the amount by a no-break space: read as a space)
        assert figure in " ".join(page.inner_text(f'[data-tile="{key}"]').split()), (role, key)
    shot(page, f"home-{slug}-1280")

    link = page.locator(f'[data-tile="{clicked}"] [data-tile-link]')
    href = link.get_attribute("href").replace("&amp;", "&")
    with page.expect_response(lambda r: r.url == f"{page.base}{href}") as answer:
        link.click()
    assert answer.value.status == 200, (role, href)
    page.wait_for_url(f"{page.base}{href}")
    page.wait_for_load_state("networkidle")
    assert text in page.inner_text("main"), (role, href)
    assert page.console_errors == []

    phone = page_for(width=360, height=740)
    login(phone, users[role].username)
    assert _tiles(phone) == tiles
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"{role}: the page is {width}px wide on a 360px screen"
    shot(phone, f"home-{slug}-360")
    assert phone.console_errors == []
