"""The OpenWISP page at 1280 px: a Super Admin sets up a site against the simulator, a
discovery run, a match decided with the radio buttons, device health. Screenshot in
test-artifacts/openwisp-1280.png."""

from __future__ import annotations

import pytest

from erp.accounts.roles import Role
from erp.assets import services as asset_services
from erp.integrations.openwisp import services
from erp.integrations.openwisp.models import OpenWispDevice, OpenWispSettings
from erp.integrations.openwisp.simulator.server import serve
from tests.browser.helpers import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_openwisp_page_at_1280px(page_for, users, shot, make_site, asset_types):
    server = serve(username="erp-api", password="sim-pass-1280", devices=6).start_in_thread()
    try:
        admin = users[Role.SUPER_ADMIN]
        site = make_site(name="Kariakoo", code="DAR-KKO")
        for i in range(2):
            asset_services.create_asset(
                actor=admin,
                asset_type=asset_types["access-point"],
                serial_number=f"TWIN-{i}",
                mac_address=server.state.devices[2]["mac_address"],
            )
        page = page_for(1280, 900)
        login(page, admin.username)
        page.goto(f"{page.base}/openwisp/")
        page.select_option("#openwisp-settings-form select[name=site]", str(site.pk))
        page.check("#openwisp-settings-form input[name=enabled]")
        page.fill("#openwisp-settings-form input[name=base_url]", server.url)
        page.fill("#openwisp-settings-form input[name=username]", "erp-api")
        page.fill("#openwisp-settings-form input[name=password]", "sim-pass-1280")
        page.fill("#openwisp-settings-form input[name=timeout_seconds]", "5")
        page.click("#openwisp-settings-form button[type=submit]")
        page.wait_for_selector("#openwisp-settings tr[data-site=DAR-KKO]")
        assert "sim-pass-1280" not in page.content()

        # the hourly run (run here directly) and a health check
        config = OpenWispSettings.objects.get(site=site)
        run = services.discover(config)
        assert (run.found, run.new, run.conflicts) == (6, 5, 1), run.error
        server.state.set_status(server.state.devices[4]["id"], "critical")
        services.check_health(config)

        page.goto(f"{page.base}/openwisp/")
        runs = page.locator("#openwisp-runs tbody tr").first.inner_text()
        assert "6" in runs and "5" in runs
        assert page.locator("#openwisp-devices tr[data-health=critical]").count() == 1
        assert page.locator("#openwisp-conflicts input[type=radio]").count() == 3
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
        shot(page, "openwisp-1280")

        page.locator("#openwisp-conflicts input[value=new]").check()
        page.click("#openwisp-conflicts button[type=submit]")
        page.wait_for_selector("#openwisp-conflicts >> text=Nothing to decide.")
        ambiguous = OpenWispDevice.objects.get(openwisp_id=server.state.devices[2]["id"])
        assert ambiguous.asset is not None
        assert ambiguous.asset.serial_number == server.state.devices[2]["hardware_id"]
        shot(page, "openwisp-1280-decided")
        assert page.console_errors == []
    finally:
        server.stop()
