"""The openNDS customer path in Chromium at 320 px, as a captive mini-browser shows it
(third-party cookies blocked, pop-ups counted): the simulated openNDS router sends the device
to the FAS URL with its encrypted fas string; the customer types a code (JavaScript off) or
pays on Wave's page (the simulator); the router's authmon then authorises the device."""

from __future__ import annotations

import pytest

from erp.payments.models import Payment
from erp.portal.models import OpenNDSGateway, PendingAuth, PortalSession
from erp.portal.simulator.opennds import OpenNDSRouter
from tests.portal_fixtures import agent_sells

from .test_portal import _no_sideways_scroll, _phone, captive_browser  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FASKEY = "b2d4f6a8c0e1f3a5b7c9d1e3f5a7b9c1"


@pytest.fixture
def nds(online_stock, live_server):
    stock = online_stock(count=1, agent_count=1)
    gateway = OpenNDSGateway(site=stock["site"], name="nds-1")
    gateway.set_faskey(FASKEY)
    gateway.save()
    router = OpenNDSRouter(
        faskey=FASKEY, fas_url=f"{live_server.url}/portal/{stock['site'].code}/nds/"
    )
    return stock, router


def test_opennds_voucher_path_without_javascript_at_320px(captive_browser, nds):  # noqa: F811
    stock, router = nds
    code = stock["agent_codes"][0]
    agent_sells(stock, code)
    mac = "02:00:00:00:00:41"
    page = _phone(captive_browser, javascript=False)
    response = page.goto(router.arrive(mac, "192.168.8.41"))
    assert response.status == 200 and len(response.body()) < 100_000
    _no_sideways_scroll(page)
    page.fill("#code", code.lower())
    page.click("#connect")
    page.wait_for_selector("#online")
    _no_sideways_scroll(page)
    assert PendingAuth.objects.count() == 1
    assert len(router.poll()) == 1 and not PendingAuth.objects.exists()  # authmon: view, ack
    assert router.ndsctl_json()["clients"][mac]["state"] == "Authenticated"
    assert PortalSession.objects.get(mac=mac).controller == "opennds"
    assert page.popups == []


def test_opennds_pay_path_at_320px(captive_browser, nds, wave, live_server):  # noqa: F811
    stock, router = nds
    account = wave.account()
    wave.state.webhook_url = f"{live_server.url}/payments/webhooks/{account.pk}/"
    mac = "02:00:00:00:00:42"
    page = _phone(captive_browser, javascript=True)
    page.goto(router.arrive(mac, "192.168.8.42"))
    _no_sideways_scroll(page)
    page.click(f"button[value='{stock['hour'].pk}']")
    page.wait_for_selector("#pay")  # Wave's page (the simulator)
    page.click("#pay")
    page.wait_for_selector("#online")  # back on the portal: told it is online
    _no_sideways_scroll(page)
    payment = Payment.objects.get()
    assert payment.status == "issued" and wave.state.webhooks_sent[0]["status"] == 200
    assert page.locator("#voucher").inner_text() == payment.sale.voucher.code
    assert len(router.poll()) == 1  # queued from the callback; authmon authorises it
    assert router.ndsctl_json()["clients"][mac]["state"] == "Authenticated"
    assert PortalSession.objects.filter(payment_id=payment.pk).count() == 1
    assert page.popups == []
