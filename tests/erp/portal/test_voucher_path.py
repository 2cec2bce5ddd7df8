"""The portal's voucher path: a customer types a code bought from an agent and the device is
let on — by the browser posting to the hotspot (CHAP as login.html does it) or by the server
through the RouterOS API (/ip/hotspot/active/login on the simulator). Wrong codes are counted
per device and per site; past the limit even a good code waits."""

from __future__ import annotations

import re

import pytest

from erp.portal import chap
from erp.portal.models import PortalSession, PortalSettings, VoucherAttempt
from erp.vouchers.models import Voucher
from tests.portal_fixtures import agent_sells

MAC = "02:AA:BB:CC:DD:01"
HOTSPOT = {
    "link-login-only": "http://10.5.50.1/login",
    "link-orig": "http://example.com/",
    "mac": MAC,
    "ip": "10.5.50.23",
    "chap-id": r"\375",
    "chap-challenge": r"\123\045\377\000\012\200\001\002\003\004\005\006\007\010\011\013",
}


def _active(simulator, simulated):
    return simulator.call(lambda: [dict(r) for r in simulated.state.active.items])


@pytest.mark.django_db
def test_the_page_is_small_self_contained_and_carries_the_hotspot_variables(client, online_stock):
    stock = online_stock(count=1)
    response = client.get(f"/portal/{stock['site'].code}/", HOTSPOT)
    assert response.status_code == 200
    body = response.content.decode()
    assert len(response.content) < 100_000
    assert stock["site"].name in body
    # nothing fetched from elsewhere: no external script, stylesheet, font or image
    assert not re.search(r'<(script|link|img)[^>]+(src|href)="https?://', body)
    assert "<script" not in body  # the voucher path is plain HTML
    for name, value in HOTSPOT.items():
        assert f'name="{name}" value="{value}"' in body.replace("&#x27;", "'")
    assert 'name="viewport" content="width=device-width' in body
    assert client.get("/portal/NOPE-1/").status_code == 404


@pytest.mark.django_db
def test_the_page_speaks_swahili_and_french(client, online_stock):
    stock = online_stock(count=1)
    url = f"/portal/{stock['site'].code}/"
    english = client.get(url).content.decode()
    assert "Voucher code" in english
    for lang, label in (("sw", "Namba ya vocha"), ("fr", "Code du ticket")):  # the glossary's
        page = client.get(url, {"lang": lang}).content.decode()
        assert f'<html lang="{lang}">' in page and label in page
        assert "Voucher code" not in page
        assert f'name="lang" value="{lang}"' in page


@pytest.mark.django_db
def test_a_sold_code_logs_in_through_the_browser_with_chap(client, online_stock):
    stock = online_stock(count=1)
    code = stock["agent_codes"][0]
    agent_sells(stock, code)
    response = client.post(f"/portal/{stock['site'].code}/", {**HOTSPOT, "code": code.lower()})
    assert response.status_code == 200
    body = response.content.decode()
    assert 'action="http://10.5.50.1/login"' in body
    # the site-wide CSP lets this page's form (and only its script) reach the hotspot
    policy = response["Content-Security-Policy"]
    assert "form-action 'self' http://10.5.50.1" in policy
    assert "script-src 'self' 'sha256-" in policy
    assert f'name="username" value="{code}"' in body
    voucher = Voucher.objects.get(code=code)
    expected = chap.response(HOTSPOT["chap-id"], voucher.login_password, HOTSPOT["chap-challenge"])
    assert f'name="password" value="{expected}"' in body
    assert voucher.login_password not in body.replace(code, "")  # never the clear password
    session = PortalSession.objects.get()
    assert (session.voucher_id, session.method, session.mac) == (voucher.pk, "browser", MAC)
    assert VoucherAttempt.objects.get().outcome == "ok"


@pytest.mark.django_db
def test_a_sold_code_logs_in_through_the_routeros_api(client, online_stock, simulator):
    stock = online_stock(count=1)
    PortalSettings.objects.create(site=stock["site"], login_method="api")
    code = stock["agent_codes"][0]
    agent_sells(stock, code)
    response = client.post(f"/portal/{stock['site'].code}/", {**HOTSPOT, "code": code})
    assert response.status_code == 200
    assert 'id="online"' in response.content.decode()
    active = _active(simulator, stock["simulated"])
    assert [(a["user"], a["address"], a["mac-address"], a["login-by"]) for a in active] == [
        (code, "10.5.50.23", MAC, "api")
    ]
    assert PortalSession.objects.get().method == "api"


@pytest.mark.django_db
def test_api_login_with_the_router_down_falls_back_to_the_browser(client, online_stock, simulator):
    stock = online_stock(count=1)
    PortalSettings.objects.create(site=stock["site"], login_method="api")
    code = stock["agent_codes"][0]
    agent_sells(stock, code)
    simulator.stop_router(stock["simulated"].state.identity)
    try:
        body = client.post(f"/portal/{stock['site'].code}/", {**HOTSPOT, "code": code})
    finally:
        simulator.start_router(stock["simulated"].state.identity)
    assert 'action="http://10.5.50.1/login"' in body.content.decode()
    no_link = {k: v for k, v in HOTSPOT.items() if k != "link-login-only"}
    simulator.stop_router(stock["simulated"].state.identity)
    try:
        refused = client.post(f"/portal/{stock['site'].code}/", {**no_link, "code": code})
    finally:
        simulator.start_router(stock["simulated"].state.identity)
    assert refused.status_code == 503
    assert "did not answer" in refused.content.decode()


@pytest.mark.django_db
def test_unsold_unknown_and_other_site_codes_are_refused_and_counted(
    client, online_stock, make_site
):
    stock = online_stock(count=1)
    url = f"/portal/{stock['site'].code}/"
    unsold = stock["agent_codes"][0]  # in the agent's hands, not sold: not a ticket
    for code in (unsold, "ZZZZZZZZZZZ", ""):
        response = client.post(url, {**HOTSPOT, "code": code})
        assert response.status_code == 400
        assert "not valid here" in response.content.decode()
    other = make_site()
    sold = stock["agent_codes"][1]
    agent_sells(stock, sold)
    assert client.post(f"/portal/{other.code}/", {**HOTSPOT, "code": sold}).status_code == 400
    assert VoucherAttempt.objects.filter(outcome="wrong").count() == 4
    assert not PortalSession.objects.exists()


@pytest.mark.django_db
def test_five_wrong_codes_lock_the_device_not_the_others(client, online_stock, settings):
    stock = online_stock(count=1)
    url = f"/portal/{stock['site'].code}/"
    code = stock["agent_codes"][0]
    agent_sells(stock, code)
    for n in range(settings.PORTAL_DEVICE_MAX_FAILURES):
        assert client.post(url, {**HOTSPOT, "code": f"WRONG{n}"}).status_code == 400
    locked = client.post(url, {**HOTSPOT, "code": code})  # even the right code waits
    assert locked.status_code == 429 and locked["Retry-After"] == "900"
    assert "Too many wrong codes from this device" in locked.content.decode()
    assert not PortalSession.objects.exists()
    other_device = {**HOTSPOT, "mac": "02:AA:BB:CC:DD:02", "ip": "10.5.50.24"}
    assert client.post(url, {**other_device, "code": code}).status_code == 200
    assert VoucherAttempt.objects.filter(outcome="locked").count() == 1


@pytest.mark.django_db
def test_a_flood_from_many_devices_locks_the_site(client, online_stock, settings):
    settings.PORTAL_SITE_MAX_FAILURES = 8
    stock = online_stock(count=1)
    url = f"/portal/{stock['site'].code}/"
    for n in range(8):
        device = {**HOTSPOT, "mac": f"02:00:00:00:00:{n:02X}"}
        assert client.post(url, {**device, "code": "WRONGCODE"}).status_code == 400
    fresh = {**HOTSPOT, "mac": "02:00:00:00:01:FF"}
    response = client.post(url, {**fresh, "code": "ANYTHING"})
    assert response.status_code == 429
    assert "at this site" in response.content.decode()


@pytest.mark.django_db
def test_expired_and_void_vouchers_say_so(client, online_stock):
    from django.utils import timezone

    stock = online_stock(count=1)
    url = f"/portal/{stock['site'].code}/"
    first, second = stock["agent_codes"]
    agent_sells(stock, first)
    agent_sells(stock, second)
    Voucher.objects.filter(code=first).update(expires_at=timezone.now())
    Voucher.objects.filter(code=second).update(status="void")
    assert "has expired" in client.post(url, {**HOTSPOT, "code": first}).content.decode()
    assert "was cancelled" in client.post(url, {**HOTSPOT, "code": second}).content.decode()
    swahili = client.post(url, {**HOTSPOT, "code": second, "lang": "sw"}).content.decode()
    assert "Vocha hii imefutwa." in swahili


@pytest.mark.django_db
def test_hotspot_variables_that_are_not_what_they_claim_are_dropped(client, online_stock):
    stock = online_stock(count=1)
    forged = {
        "link-login-only": "javascript:alert(1)",
        "link-orig": '"><script>x()</script>',
        "mac": "not-a-mac",
        "ip": "10.5.50.999",
        "chap-id": "\x00\x01",
    }
    body = client.get(f"/portal/{stock['site'].code}/", forged).content.decode()
    assert "javascript:" not in body and "<script>x()" not in body
    assert 'name="mac"' not in body and 'name="ip"' not in body
