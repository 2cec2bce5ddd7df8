"""The PortaBilling page at 1280 px: a Super Admin configures a site against the simulator,
tests the connection, and sees the differences the sync found; no sideways scrolling, no
console errors. Screenshots in test-artifacts/portabilling-*.png."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from erp.accounts.roles import Role
from erp.integrations.portabilling import services
from erp.integrations.portabilling.models import PortaAccount, PortaBillingSite
from tests.browser.helpers import login
from tests.erp.integrations.portabilling.conftest import LOGIN, PASSWORD
from tests.workday import stock_batch

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def porta():
    import types

    from erp.integrations.portabilling.simulator import serve

    server = serve(login=LOGIN, password=PASSWORD).start_in_thread()
    yield types.SimpleNamespace(server=server, state=server.state, url=server.url)
    server.stop()


def test_configure_check_and_see_differences_at_1280(
    page_for, users, shot, sim_router, admin_user, porta, eager_celery
):
    from decimal import Decimal

    from erp.vouchers import services as voucher_services

    router, _sim = sim_router()
    site = router.site
    page = page_for(1280, 900)
    login(page, users[Role.SUPER_ADMIN].username)
    page.goto(f"{page.base}/portabilling/")
    expect(page.locator("#porta-sites")).to_contain_text("not configured")
    page.click(f"a[href='/portabilling/{site.pk}/']")

    form = page.locator("#porta-settings")
    form.locator("input[name=enabled]").check()
    form.locator("input[name=api_url]").fill(porta.url)
    form.locator("input[name=login]").fill(LOGIN)
    form.locator("input[name=password]").fill(PASSWORD)
    form.locator("input[name=i_customer]").fill("1")
    form.locator("input[name=i_product]").fill("1")
    form.locator("input[name=i_account_role]").fill("4")
    form.locator("button[type=submit]").click()
    expect(page.locator("body")).to_contain_text("PortaBilling settings saved.")
    assert page.locator("input[name=password]").input_value() == ""
    config = PortaBillingSite.objects.get(site=site)
    assert config.enabled and config.get_password() == PASSWORD

    page.get_by_role("button", name="Test the connection").click()
    expect(page.locator("#porta-status")).to_contain_text("working")

    # vouchers of a batch become accounts; someone unblocks a void one on PortaBilling
    package = voucher_services.save_package(
        actor=admin_user, name="Day", price=Decimal("1000"), validity_seconds=86400, sites=[site]
    )
    batch = stock_batch(package=package, router=router, quantity=3)
    services.queue_batch(batch.pk)
    services.push_accounts(config)
    account = PortaAccount.objects.select_related("voucher").order_by("pk").first()
    voucher_services.void_voucher(actor=admin_user, voucher=account.voucher, reason="lost")
    services.push_blocks(config)
    porta.state.accounts[account.i_account]["blocked"] = "N"

    page.get_by_role("button", name="Sync now").click()
    differences = page.locator("#porta-differences")
    expect(differences).to_contain_text(account.voucher.code)
    expect(differences).to_contain_text("blocked")
    expect(page.locator("#porta-batches")).to_contain_text("Day")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    shot(page, "portabilling-site-1280")

    page.locator("#porta-repair").click()
    expect(page.locator("body")).to_contain_text("Repair queued: 1 block(s)")
    assert porta.state.accounts[account.i_account]["blocked"] == "Y"

    porta.state.html_next = 5
    page.get_by_role("button", name="Test the connection").click()
    expect(page.locator("#porta-last-error")).to_contain_text("instead of JSON")
    assert PASSWORD not in page.content()
    page.goto(f"{page.base}/portabilling/")
    expect(page.locator("#porta-sites")).to_contain_text("failing")
    shot(page, "portabilling-index-1280")
    assert page.console_errors == []
