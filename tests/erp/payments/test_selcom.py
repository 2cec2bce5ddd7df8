"""Selcom Checkout with USSD push against its simulator over HTTP: every request signed (the
simulator checks the HMAC digest), the PIN prompt pushed to the phone typed on the portal,
the signed webhook heard, and the order status re-read before anything is issued."""

from __future__ import annotations

import json

import pytest

from erp.payments import services
from erp.payments.models import ProviderAccount
from erp.payments.providers import ProviderError, for_account
from erp.payments.providers.selcom import signed_headers
from erp.sales.models import Sale

KEY, SECRET = "TILL61051-key", "selcom-api-secret"
PHONE = "255712345678"


@pytest.fixture
def selcom():
    from erp.payments.simulator.selcom import serve

    server = serve(api_key=KEY, api_secret=SECRET).start_in_thread()
    account = ProviderAccount(
        name="Selcom vendor:TILL61051", provider="selcom", api_base_url=server.url, currency="TZS"
    )
    account.set_api_key(KEY)
    account.set_webhook_secret(SECRET)
    account.save()
    yield server, account
    server.stop()


def _pay(stock, phone=PHONE):
    return services.start_payment(
        site=stock["site"],
        package=stock["hour"],
        hotspot={"mac": "02:AA:BB:CC:DD:01", "ip": "10.5.50.23"},
        success_url="http://erp.test/ok",
        error_url="http://erp.test/err",
        phone=phone,
        webhook_base="http://erp.test/",
    )


def _webhook(client, account, body, *, secret=SECRET):
    return client.post(
        f"/payments/webhooks/{account.pk}/",
        data=json.dumps(body),
        content_type="application/json",
        headers=signed_headers(KEY, secret, body),
    )


@pytest.mark.django_db
def test_ussd_push_webhook_and_status_query_issue_one_voucher(client, selcom, online_stock):
    server, account = selcom
    stock = online_stock(count=1, agent_count=0)
    payment = _pay(stock, phone="+255 712 345 678")
    assert payment.status == "pending" and payment.launch_url == ""
    assert server.state.pushes == [PHONE]  # the PIN prompt went to the phone typed
    order = server.state.orders[str(payment.pk)]
    assert order["payment_status"] == "INPROGRESS" and order["amount"] == 500
    assert order["webhook"]  # base64 of our webhook URL
    body = server.state.approve(str(payment.pk))  # the customer types the PIN
    assert _webhook(client, account, body).json() == {"outcome": "settled"}
    payment.refresh_from_db()
    assert payment.status == "issued" and payment.transaction_id == body["reference"]
    assert _webhook(client, account, body).json() == {"outcome": "replay"}
    assert Sale.objects.filter(channel="online").count() == 1


@pytest.mark.django_db
def test_a_webhook_is_not_believed_without_the_status_query(client, selcom, online_stock):
    server, account = selcom
    stock = online_stock(count=1, agent_count=0)
    payment = _pay(stock)
    forged = {
        "result": "SUCCESS",
        "resultcode": "000",
        "order_id": str(payment.pk),
        "transid": str(payment.pk),
        "reference": "SFAKE",
        "amount": "500",
        "payment_status": "COMPLETED",
    }
    assert _webhook(client, account, forged, secret="wrong").status_code == 401
    # correctly signed (a leaked secret, or a bug at the aggregator): the order still says no
    assert _webhook(client, account, forged).json() == {"outcome": "settled"}
    payment.refresh_from_db()
    assert payment.status == "pending" and not Sale.objects.exists()
    server.state.reject(str(payment.pk))
    assert services.settle(payment.pk).status == "failed"


@pytest.mark.django_db
def test_requests_are_signed_and_a_phone_is_required(selcom, online_stock):
    _server, account = selcom
    stock = online_stock(count=1, agent_count=0)
    with pytest.raises(services.PaymentRefused, match="phone number"):
        _pay(stock, phone="")
    account.set_webhook_secret("not-the-api-secret")
    account.save()
    with pytest.raises(ProviderError, match="refused the request \\(401 403\\)"):
        for_account(account).get_session("x")


@pytest.mark.django_db
def test_the_portal_asks_the_phone_and_waits_for_the_pin(client, selcom, online_stock):
    server, _account = selcom
    stock = online_stock(count=1, agent_count=0)
    url = f"/portal/{stock['site'].code}/"
    page = client.get(url).content.decode()
    assert 'type="tel" name="phone" required' in page
    refused = client.post(f"{url}buy/", {"package": str(stock["hour"].pk), "phone": "12"})
    assert refused.status_code == 400 and "phone number" in refused.content.decode()
    response = client.post(f"{url}buy/", {"package": str(stock["hour"].pk), "phone": PHONE})
    assert response.status_code == 303 and "/paid/" in response["Location"]
    waiting = client.get(response["Location"])
    assert 'id="waiting"' in waiting.content.decode()
    order_id = next(iter(server.state.orders))
    server.state.approve(order_id)  # PIN typed; its webhook is lost: the page's poll issues
    done = client.get(response["Location"]).content.decode()
    assert 'id="voucher"' in done
