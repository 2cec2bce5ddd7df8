"""The offline field app at /app/: installable, sells and files clients with no network, and
every record arrives exactly once when it syncs."""

from __future__ import annotations

import pytest

from erp.clients.models import Client
from erp.sales.models import Sale
from erp.sync.models import AppliedOperation
from tests.browser.helpers import login
from tests.erp.sync.conftest import field  # noqa: F401 - the agent with stock

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_offline_day_syncs_exactly_once(page_for, field, shot):  # noqa: F811
    agent = field["agent"]
    page = page_for(360, 740)
    login(page, agent.username)
    page.goto(page.base + "/app/")
    page.wait_for_selector("body[data-ready='1']")
    assert page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    manifest = page.evaluate(
        "fetch(document.querySelector('link[rel=manifest]').href).then(r => r.json())"
    )
    assert manifest["start_url"] == "/app/" and len(manifest["icons"]) == 2
    page.wait_for_selector("[data-sell]:not([disabled])")
    page.reload()  # now the service worker controls the page and has the shell
    page.wait_for_selector("body[data-ready='1']")

    page.context.set_offline(True)
    page.reload()
    page.wait_for_selector("body[data-ready='1']")
    assert "offline" in page.inner_text("#net")
    for _ in range(5):
        page.click("[data-sell]")
        page.wait_for_selector("#receipt .code")
    shot(page, "field-app-receipt-360")
    assert page.get_attribute("#receipt a", "href").startswith("sms:")
    page.click("nav [data-tab='clients']")
    for n in range(2):
        page.fill("input[name='name']", f"Client {n}")
        page.fill("input[name='phone']", f"+25575411100{n}")
        page.click("#client-form button")
        page.wait_for_function(f"document.querySelectorAll('main li').length >= {n + 1}")
    assert "7 " in page.inner_text("#badge")
    assert Sale.objects.count() == 0 and Client.objects.count() == 0

    page.context.set_offline(False)
    page.click("nav [data-tab='sync']")
    page.click("#sync-now")
    page.wait_for_function("document.getElementById('badge').textContent.startsWith('0 ')")
    page.wait_for_selector("#last-sync:not(:has-text('never'))")
    shot(page, "field-app-synced-360")
    assert Sale.objects.filter(seller=agent).count() == 5
    assert Client.objects.filter(agent=agent).count() == 2
    applied = AppliedOperation.objects.count()

    page.click("#sync-now")
    page.wait_for_selector("#sync-status:has-text('Synced')")
    assert Sale.objects.count() == 5 and Client.objects.count() == 2
    assert AppliedOperation.objects.count() == applied
    page.click("nav [data-tab='day']")
    assert page.inner_text("#sales-today") == "5"
    assert page.console_errors == []
