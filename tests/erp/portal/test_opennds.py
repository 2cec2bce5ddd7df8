"""openNDS FAS level 3 over HTTP: the simulated router sends clients with an encrypted fas
string, the portal takes their voucher codes, and the router's authmon polls the same URL —
at most 4 authorisations per view, nothing deleted until acknowledged, ended sessions
recorded with their bytes. Wrong keys and unknown gateways are refused."""

from __future__ import annotations

import base64
from urllib.parse import unquote

import pytest
import requests

from erp.portal import opennds
from erp.portal.models import OpenNDSGateway, PendingAuth, PortalSession
from erp.portal.simulator.opennds import OpenNDSRouter
from tests.portal_fixtures import agent_sells

FASKEY = "1cb32fdb4d3bbb1d1ba4a1b3a6b2f8ff0a1d3e8c4f5a6b7c8d9e0f1a2b3c4d5e6f"


def test_fas_round_trip_and_wrong_key():
    fields = "hid=abc, clientip=10.1.1.2, clientmac=02:00:00:00:00:01, gatewayname=Site%201"
    iv = "0123456789abcdef"
    fas = opennds.encrypt(fields, faskey=FASKEY, iv=iv)
    assert opennds.parse_fields(opennds.decrypt(fas, faskey=FASKEY, iv=iv))["gatewayname"] == (
        "Site%201"
    )
    with pytest.raises(opennds.FasError):
        opennds.decrypt(fas, faskey="another-key", iv=iv)
    # key: the faskey bytes NUL-padded to 32; the 64-character key above is cut to 32
    assert opennds._key("abc") == b"abc" + b"\0" * 29 and len(opennds._key(FASKEY)) == 32
    assert opennds.rhid("abc", FASKEY) == opennds.sha256hex("abc" + FASKEY)


@pytest.fixture
def nds(online_stock, live_server):
    stock = online_stock(count=1, agent_count=6)
    gateway = OpenNDSGateway(site=stock["site"], name="nds-1")
    gateway.set_faskey(FASKEY)
    gateway.save()
    for code in stock["agent_codes"]:
        agent_sells(stock, code)
    router = OpenNDSRouter(
        faskey=FASKEY, fas_url=f"{live_server.url}/portal/{stock['site'].code}/nds/"
    )
    return stock, gateway, router


def _log_in(router, mac, ip, code):
    url = router.arrive(mac, ip)
    page = requests.get(url, timeout=10)
    assert page.status_code == 200 and 'name="fas"' in page.text
    fas = page.text.split('name="fas" value="')[1].split('"')[0]
    iv = page.text.split('name="iv" value="')[1].split('"')[0]
    return requests.post(router.fas_url, data={"fas": fas, "iv": iv, "code": code}, timeout=10)


@pytest.mark.django_db(transaction=True)
def test_authmon_takes_four_per_poll_and_deletes_only_what_it_acks(nds):
    stock, gateway, router = nds
    macs = [f"02:00:00:00:00:{n:02X}" for n in range(6)]
    for n, (mac, code) in enumerate(zip(macs, stock["agent_codes"], strict=True)):
        answer = _log_in(router, mac, f"192.168.8.{10 + n}", code)
        assert answer.status_code == 200 and 'id="online"' in answer.text
    gateway.refresh_from_db()
    assert gateway.gatewayhash == router.gatewayhash  # learnt from the first client
    assert PendingAuth.objects.count() == 6

    # a view without an ack deletes nothing: the same four come back
    def view():
        response = requests.post(
            router.fas_url,
            data={
                "auth_get": "view",
                "gatewayhash": router.gatewayhash,
                "payload": base64.b64encode(b"*").decode(),
            },
            timeout=10,
        )
        return response.text.split()

    first = view()
    assert first[0] == "*" and len(first) == 5
    line = unquote(first[1]).split()
    assert len(line) == 7 and line[1] == "60" and line[2:6] == ["0", "0", "0", "0"]
    assert view() == first and PendingAuth.objects.count() == 6

    assert len(router.poll()) == 4
    states = [c["state"] for c in router.ndsctl_json()["clients"].values()]
    assert states.count("Authenticated") == 4 and PendingAuth.objects.count() == 2
    assert len(router.poll()) == 2 and PendingAuth.objects.count() == 0
    assert {c["state"] for c in router.ndsctl_json()["clients"].values()} == {"Authenticated"}
    assert router.poll() == []  # nothing left: "* " alone
    sessions = PortalSession.objects.filter(controller="opennds")
    assert sessions.count() == 6 and all(s.rhid for s in sessions)

    assert router.deauth(macs[0], incoming=123456, outgoing=7890).strip() == "ack"
    ended = PortalSession.objects.get(mac=macs[0])
    assert ended.ended_at is not None and (ended.bytes_in, ended.bytes_out) == (123456, 7890)


@pytest.mark.django_db(transaction=True)
def test_a_client_is_queued_once_however_often_it_submits(nds):
    stock, _gateway, router = nds
    url = router.arrive("02:00:00:00:00:01", "192.168.8.10")
    page = requests.get(url, timeout=10).text
    fas = page.split('name="fas" value="')[1].split('"')[0]
    iv = page.split('name="iv" value="')[1].split('"')[0]
    for _ in range(3):
        data = {"fas": fas, "iv": iv, "code": stock["agent_codes"][0]}
        assert requests.post(router.fas_url, data=data, timeout=10).status_code == 200
    assert PendingAuth.objects.count() == 1 and PortalSession.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_wrong_key_and_unknown_gateway_are_refused(nds):
    stock, _gateway, router = nds
    stranger = OpenNDSRouter(faskey="not-our-key", fas_url=router.fas_url)
    refused = requests.get(stranger.arrive("02:00:00:00:00:09", "192.168.8.99"), timeout=10)
    assert refused.status_code == 400 and "not valid" in refused.text
    answer = requests.post(
        router.fas_url,
        data={"auth_get": "view", "gatewayhash": "0" * 64, "payload": "Kg=="},
        timeout=10,
    )
    assert answer.status_code == 404 and answer.text == "unknown gateway"
    assert not PendingAuth.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_opennds_round_trip_with_a_payment(nds, wave, live_server):
    """encrypted fas → portal → package → Wave pays → signed webhook → voucher issued →
    queued for authmon → view → ack → the client is authenticated and its session recorded."""
    from erp.payments.models import Payment

    stock, _gateway, router = nds
    account = wave.account()
    wave.state.webhook_url = f"{live_server.url}/payments/webhooks/{account.pk}/"
    page = requests.get(router.arrive("02:00:00:00:00:31", "192.168.8.31"), timeout=10)
    assert f'name="package" value="{stock["hour"].pk}"' in page.text
    fas = page.text.split('name="fas" value="')[1].split('"')[0]
    iv = page.text.split('name="iv" value="')[1].split('"')[0]
    buy = requests.post(
        f"{live_server.url}/portal/{stock['site'].code}/buy/",
        data={"package": str(stock["hour"].pk), "fas": fas, "iv": iv},
        allow_redirects=False,
        timeout=10,
    )
    assert buy.status_code == 303 and buy.headers["Location"].startswith(wave.url)
    paid = requests.post(f"{buy.headers['Location']}/confirm", allow_redirects=False, timeout=20)
    assert paid.status_code == 303 and wave.state.webhooks_sent[0]["status"] == 200
    payment = Payment.objects.get()
    assert payment.status == "issued"
    assert PendingAuth.objects.count() == 1  # queued from the callback, no browser needed
    assert len(router.poll()) == 1 and not PendingAuth.objects.exists()
    client = router.ndsctl_json()["clients"]["02:00:00:00:00:31"]
    assert client["state"] == "Authenticated"
    session = PortalSession.objects.get(payment_id=payment.pk)
    assert session.controller == "opennds" and session.voucher_id == payment.sale.voucher_id
    # the customer's browser, back from Wave, is told it is online; nothing is queued twice
    back = requests.get(paid.headers["Location"], timeout=10)
    assert back.status_code == 200 and 'id="online"' in back.text
    assert not PendingAuth.objects.exists() and PortalSession.objects.count() == 1
