"""The customer's side of the captive portal in Chromium at 320 px, as a captive mini-browser
would show it: third-party cookies blocked, pop-ups counted (there must be none).

- Voucher path with JavaScript off: the hotspot hands over its variables, the customer types
  a code bought from an agent, and the browser posts username + CHAP response to the
  hotspot's link-login-only (intercepted here as the router would receive it).
- Pay path: a package, Wave's payment page (the simulator), Pay; the signed webhook reaches
  the live server, the voucher is issued, the page shows it and logs the device in.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlencode

import pytest

from erp.payments.models import Payment
from erp.portal import chap
from erp.vouchers.models import Voucher
from tests.portal_fixtures import agent_sells

from .conftest import CHROMIUM_ARGS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HOTSPOT = {
    "link-login-only": "http://10.5.50.1/login",
    "link-orig": "http://example.com/",
    "mac": "02:AA:BB:CC:DD:01",
    "ip": "10.5.50.23",
    "chap-id": r"\375",
    "chap-challenge": r"\123\045\377\000\012\200\001\002\003\004\005\006\007\010\011\013",
}


@pytest.fixture(scope="module")
def captive_browser(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path,
            args=[*CHROMIUM_ARGS, "--test-third-party-cookie-phaseout", "--block-new-web-contents"],
        )
        yield browser
        browser.close()


def _phone(browser, *, javascript: bool):
    context = browser.new_context(
        viewport={"width": 320, "height": 640},
        java_script_enabled=javascript,
        user_agent="Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/120.0 Mobile Safari/537.36 CaptivePortalLogin",
    )
    page = context.new_page()
    page.popups = []
    context.on("page", lambda p: page.popups.append(p))
    hotspot_posts = []

    def router_login(route):
        hotspot_posts.append(parse_qs(route.request.post_data or ""))
        route.fulfill(status=200, content_type="text/html", body="<p id=hotspot>logged in</p>")

    page.route("http://10.5.50.1/**", router_login)
    page.hotspot_posts = hotspot_posts
    return page


def _no_sideways_scroll(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= 320


def test_voucher_path_without_javascript_at_320px(captive_browser, live_server, online_stock):
    stock = online_stock(count=1)
    code = stock["agent_codes"][0]
    agent_sells(stock, code)
    page = _phone(captive_browser, javascript=False)
    response = page.goto(f"{live_server.url}/portal/{stock['site'].code}/?{urlencode(HOTSPOT)}")
    assert response.status == 200 and len(response.body()) < 100_000
    _no_sideways_scroll(page)
    page.fill("#code", code.lower())
    page.click("#connect")
    page.wait_for_selector("#go-online")  # no script ran: the customer taps the button
    _no_sideways_scroll(page)
    page.click("#go-online")
    page.wait_for_selector("#hotspot")
    voucher = Voucher.objects.get(code=code)
    [posted] = page.hotspot_posts
    assert posted["username"] == [code]
    assert posted["password"] == [
        chap.response(HOTSPOT["chap-id"], voucher.login_password, HOTSPOT["chap-challenge"])
    ]
    assert posted["dst"] == [HOTSPOT["link-orig"]]
    assert page.popups == []


def test_a_wrong_code_says_so_in_swahili(captive_browser, live_server, online_stock):
    stock = online_stock(count=1)
    page = _phone(captive_browser, javascript=False)
    page.goto(f"{live_server.url}/portal/{stock['site'].code}/?{urlencode(HOTSPOT)}&lang=sw")
    assert page.locator("html").get_attribute("lang") == "sw"
    page.fill("#code", "WRONGCODE22")
    page.click("#connect")
    assert page.locator("#error").inner_text() == (
        "Msimbo huu si halali hapa. Uhakiki na ujaribu tena."
    )
    assert page.locator("html").get_attribute("lang") == "sw"  # the language stays chosen


def test_pay_path_at_320px(captive_browser, live_server, online_stock, wave):
    stock = online_stock(count=1)
    account = wave.account()
    wave.state.webhook_url = f"{live_server.url}/payments/webhooks/{account.pk}/"
    page = _phone(captive_browser, javascript=True)
    page.goto(f"{live_server.url}/portal/{stock['site'].code}/?{urlencode(HOTSPOT)}")
    _no_sideways_scroll(page)
    page.click(f"button[value='{stock['hour'].pk}']")
    page.wait_for_selector("#pay")  # Wave's page (the simulator)
    assert page.locator("#amount").inner_text() == "500 XOF"
    page.click("#pay")
    page.wait_for_selector("#hotspot")  # back on the portal, which logged the device in
    payment = Payment.objects.get()
    assert payment.status == "issued"
    assert wave.state.webhooks_sent[0]["status"] == 200  # the signed webhook was accepted
    code = payment.sale.voucher.code
    [posted] = page.hotspot_posts
    assert posted["username"] == [code]
    assert page.popups == []


def test_my_account_without_javascript_at_320px(captive_browser, live_server, online_stock, wave):
    """Phone → code by SMS (the Android gateway simulator) → purchases with time left."""
    import importlib
    import re

    from erp.messaging import pump
    from erp.messaging import services as messaging
    from erp.messaging.models import Template
    from erp.messaging.simulator.android import AndroidGatewaySimulator
    from erp.payments import services as payments

    # transactional tests flush the tables: put back the template the migration seeded
    seeded = importlib.import_module("erp.portal.migrations.0004_seed_account_code_template")
    Template.objects.get_or_create(code=seeded.TEMPLATE["code"], defaults=seeded.TEMPLATE)
    sim = AndroidGatewaySimulator(send_delay=0.0).start()
    try:
        gateway = messaging.create_gateway(
            name="Phone",
            base_url=sim.url,
            username=sim.username,
            password=sim.password,
            webhook_key=sim.signing_key,
            is_default=True,
        )
        stock = online_stock(count=1, agent_count=0)
        wave.account()
        payment = payments.start_payment(
            site=stock["site"],
            package=stock["hour"],
            hotspot={},
            success_url="http://erp.test/ok",
            error_url="http://erp.test/err",
            phone="0712345678",
        )
        wave.state.complete(payment.provider_session_id)
        code = payments.settle(payment.pk).sale.voucher.code
        page = _phone(captive_browser, javascript=False)
        page.goto(f"{live_server.url}/portal/{stock['site'].code}/?{urlencode(HOTSPOT)}")
        page.click("#my-account")
        page.fill("#phone", "0712 345 678")
        page.click("#send-code")
        page.wait_for_selector("#sent")
        _no_sideways_scroll(page)
        pump.pump(gateway.pk)
        [sms] = sim.messages.values()
        page.fill("#code", re.match(r"(\d{6}) ", sms["text"]).group(1))
        page.click("#check-code")
        page.wait_for_selector("#account-phone")
        _no_sideways_scroll(page)
        assert code in page.locator("main").inner_text()
        assert page.locator(".purchase").count() == 1
        assert page.popups == []
    finally:
        sim.stop()
