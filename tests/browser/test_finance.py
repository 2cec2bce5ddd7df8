"""Finance in a real browser: statements on a phone and a desktop, and the Excel download."""

from __future__ import annotations

import io
import uuid
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

from erp.accounts.roles import Role
from erp.sales import services as sales
from erp.sales.models import CommissionRule
from erp.vouchers import services as vouchers
from tests.browser.helpers import login
from tests.conftest import put_on_router

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def month_of_sales(make_router, make_user):
    router = make_router()
    admin = make_user(Role.SUPER_ADMIN, "boss")
    agents = [make_user(Role.AGENT, f"agent-{n}") for n in range(3)]
    router.site.agents.add(*agents)
    package = vouchers.save_package(
        actor=admin,
        name="Day pass",
        price=Decimal("1000"),
        validity_seconds=86400,
        sites=[router.site],
    )
    CommissionRule.objects.create(percent=Decimal("10"))
    for n, agent in enumerate(agents):
        batch = vouchers.request_batch(
            actor=None, package=package, router=router, quantity=5, preapproved=True, agent=agent
        )
        vouchers.generate_batch(batch)
        put_on_router(batch)
        for _ in range(n + 1):
            sales.sell(
                seller=agent, idempotency_key=uuid.uuid4(), payment_method="cash", package=package
            )
    return agents


@pytest.mark.parametrize("width", [360, 1280])
def test_statements_page_and_excel_download(page_for, shot, make_user, month_of_sales, width):
    finance = make_user(Role.FINANCE, "fatuma")
    page = page_for(width=width, height=800)
    login(page, finance.username)
    page.goto(f"{page.base}/finance/reports/")
    page.select_option("select[name=report]", "statements")
    page.click("#report-form button[type=submit]")
    page.wait_for_selector("tr.erp-owes")
    rows = page.locator("tr.erp-owes")
    assert rows.count() == 3
    # the biggest balance first: agent-2 sold 3 × 1000, keeps 300 commission
    assert "agent-2" in rows.first.inner_text() and "2,700" in rows.first.inner_text()
    shot(page, f"finance-statements-{width}")
    if width == 360:
        # nothing wider than the phone but the table's own scroller
        overflow = page.evaluate("document.documentElement.scrollWidth")
        assert overflow <= width + 1
    with page.expect_download() as download:
        page.click("text=Excel")
    data = Path(download.value.path()).read_bytes()
    sheet = load_workbook(io.BytesIO(data))["Statements"]
    owed = {
        row[8]: row[1] for row in sheet.iter_rows(min_row=2, values_only=True) if row[1] and row[8]
    }
    assert owed == {"agent-0": 900, "agent-1": 1800, "agent-2": 2700}
    assert page.console_errors == []
