"""Log in through Django, open every analytics page, wait for its figures, no console errors."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from analytics import rollups
from erp.accounts.roles import Role
from erp.maintenance.models import Downtime, Fault
from erp.mikrotik.models import RouterSample
from erp.sales.models import Refund, Sale
from erp.sites.models import Router, Site
from tests.analytics.conftest import shop  # noqa: F401  (the fixed shop)
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAGES = ["overview", "sites", "agents", "finance", "network", "maintenance", "support"]


def _page(page_for, **size):
    """A page that also counts uncaught JavaScript exceptions as console errors."""
    page = page_for(**size)
    page.on("pageerror", lambda error: page.console_errors.append(f"uncaught: {error}"))
    return page


def _login(page, username):
    page.goto(f"{page.base}/accounts/login/?next=/analytics/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/analytics/overview")


def _recent():
    """Move the shop's sales into the last days, so the default 30-day filters show them."""
    today = timezone.now()
    for i, sale in enumerate(Sale.objects.order_by("sold_at")):
        Sale.objects.filter(pk=sale.pk).update(sold_at=today - dt.timedelta(days=6 - i, hours=1))
    for refund in Refund.objects.all():
        Refund.objects.filter(pk=refund.pk).update(refunded_at=today - dt.timedelta(hours=2))
    for n, site in enumerate(Site.objects.order_by("name")):
        Site.objects.filter(pk=site.pk).update(latitude=-6.8 + n / 10, longitude=39.28 + n / 10)
    router = Router.objects.order_by("name").first()
    for minutes in range(0, 600, 30):
        RouterSample.objects.create(
            router=router,
            taken_at=today - dt.timedelta(minutes=minutes),
            active_users=5 + minutes % 7,
            rx_bytes=10**9 - minutes * 10**6,
            tx_bytes=10**8 - minutes * 10**5,
        )
    rollups.rebuild_all()


def _repairs():
    """Faults and downtime in the last days at the shop's two sites, for the Maintenance page."""
    now = timezone.now()
    alpha, beta = Site.objects.order_by("name")
    Downtime.objects.create(
        site=alpha, started_at=now - dt.timedelta(days=2), ended_at=now - dt.timedelta(hours=40)
    )
    Downtime.objects.create(
        site=beta, started_at=now - dt.timedelta(days=5), ended_at=now - dt.timedelta(days=4)
    )
    for site, severity, status, hours in [
        (alpha, "critical", "reported", 3),
        (alpha, "major", "assigned", 5),
        (beta, "minor", "reported", 1),
        (alpha, "major", "closed", 30),
        (beta, "critical", "closed", 80),
    ]:
        reported = now - dt.timedelta(days=3)
        closed = reported + dt.timedelta(hours=hours) if status == "closed" else None
        Fault.objects.create(
            site=site,
            description=f"{severity} fault",
            severity=severity,
            status=status,
            reported_at=reported,
            closed_at=closed,
            restored_at=closed,
            due_at=reported + dt.timedelta(hours=24),
        )


def _equipment(actor, asset_types, cost: Decimal = Decimal("150000")):
    """A router deployed at the first site, for the Finance page's equipment chart."""
    from erp.assets.services import create_asset

    create_asset(
        actor=actor,
        asset_type=asset_types["router"],
        serial_number="BR-1",
        purchase_cost=cost,
        site=Site.objects.order_by("name").first(),
    )


def test_every_page_renders_its_figures(page_for, shot, users, shop, asset_types):  # noqa: F811
    _recent()
    _repairs()
    _equipment(users[Role.SUPER_ADMIN], asset_types)
    for width, label in ((1280, "desktop"), (390, "phone")):
        page = _page(page_for, width=width, height=900)
        _login(page, users[Role.SUPER_ADMIN].username)
        for name in PAGES:
            page.goto(f"{page.base}/analytics/{name}")
            page.wait_for_selector("#page > *", timeout=20_000)
            page.wait_for_selector(".js-plotly-plot .main-svg", timeout=20_000)
            page.wait_for_load_state("networkidle")
            assert page.locator("._dash-loading").count() == 0
            if name == "maintenance":
                assert page.locator(".js-plotly-plot").count() == 4
                text = page.inner_text("#page")
                assert "Open faults by severity" in text and "not installed" not in text
            if name == "support":
                assert "Tickets per day by channel" in page.inner_text("#page")
            if name == "finance":
                page.wait_for_function(
                    "document.querySelectorAll('.js-plotly-plot .main-svg').length >= 4"
                )
                assert page.locator(".js-plotly-plot").count() == 4
                assert "Equipment value per site" in page.inner_text("#page")
            shot(page, f"analytics-{name}-{label}")
        if label == "desktop":
            page.goto(f"{page.base}/analytics/overview")
            page.wait_for_selector(".vn-kpi-value", timeout=20_000)
            text = page.inner_text(".vn-kpis")
            assert "TSh\u00a0" in text  # TZS as people write it (erp.core.formats)
            assert "Access ending in the next 7 days" in page.inner_text("#page")
        assert page.console_errors == [], page.console_errors


def test_an_agent_sees_only_the_agents_page(page_for, users, shop, shot):  # noqa: F811
    """Through the login form (a Turbo form): the Dash page must still start."""
    _recent()
    page = _page(page_for)
    page.goto(f"{page.base}/accounts/login/?next=/analytics/")
    page.fill("input[name=username]", "one")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/analytics/agents")
    page.wait_for_selector(".js-plotly-plot .main-svg", timeout=20_000)
    shot(page, "analytics-agents-own")
    page.wait_for_load_state("networkidle")
    # the page links (the header's notification bell is styled as one but is not a page)
    assert page.locator(".vn-nav:not(.vn-bell)").all_inner_texts() == ["Agents"]
    assert page.locator(".vn-bell").count() == 1
    assert page.console_errors == [], page.console_errors
    assert page.goto(f"{page.base}/analytics/finance").status == 403


# Each tick label's box, per chart: on a phone, French amounts ("1 000 000 TSh") are long.
TICK_BOXES = """() => Array.from(document.querySelectorAll('.js-plotly-plot')).map(plot =>
  Array.from(plot.querySelectorAll('.xtick text')).map(t => {
    const r = t.getBoundingClientRect(); return [r.left, r.right]; }).filter(b => b[1] > b[0]))"""


def test_french_amounts_on_a_phone_keep_apart(page_for, shot, users, shop, asset_types):  # noqa: F811
    admin = users[Role.SUPER_ADMIN]
    admin.language = "fr"
    admin.save(update_fields=["language"])
    _equipment(admin, asset_types, cost=Decimal("12500000"))  # "12 500 000 TSh"
    page = _page(page_for, width=360, height=900)
    _login(page, admin.username)
    page.goto(f"{page.base}/analytics/finance")
    page.wait_for_function("document.querySelectorAll('.js-plotly-plot .main-svg').length >= 4")
    page.wait_for_load_state("networkidle")
    shot(page, "analytics-finance-fr-360")
    text = page.inner_text("#page")
    assert "Valeur des équipements par site" in text
    for ticks in page.evaluate(TICK_BOXES):
        for (_left, right), (left, _right) in zip(ticks, ticks[1:], strict=False):
            assert right <= left + 0.5, ticks
    assert page.console_errors == [], page.console_errors
