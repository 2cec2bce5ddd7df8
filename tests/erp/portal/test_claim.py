""" "I already paid": a customer whose page was lost (battery, another phone) gets online with
the payment reference — Wave's transaction id or our 8-character reference. Wrong references
count against the device's attempt limit."""

from __future__ import annotations

import html

import pytest

from erp.core.money import format_money
from erp.payments import services as payments
from erp.portal.models import VoucherAttempt

HOTSPOT = {
    "link-login-only": "http://10.5.50.1/login",
    "mac": "02:AA:BB:CC:DD:77",
    "ip": "10.5.50.77",
}


def _paid(stock, wave):
    wave.account()
    payment = payments.start_payment(
        site=stock["site"],
        package=stock["hour"],
        hotspot={"mac": "02:AA:BB:CC:DD:01", "ip": "10.5.50.23"},
        success_url="http://erp.test/ok",
        error_url="http://erp.test/err",
    )
    wave.state.complete(payment.provider_session_id)
    return payments.settle(payment.pk)


@pytest.mark.django_db
def test_the_transaction_id_logs_another_device_in(client, wave, online_stock):
    stock = online_stock(count=1)
    payment = _paid(stock, wave)
    assert payment.status == "issued" and payment.transaction_id.startswith("T_")
    url = f"/portal/{stock['site'].code}/claim/"
    response = client.post(url, {**HOTSPOT, "reference": payment.transaction_id.lower()})
    assert response.status_code == 200
    body = response.content.decode()
    assert f'name="username" value="{payment.sale.voucher.code}"' in body
    assert payment.sale.voucher.code in body  # the code is shown to keep


@pytest.mark.django_db
def test_our_short_reference_shows_what_we_owe(client, wave, online_stock):
    from erp.vouchers.models import Voucher

    stock = online_stock(count=1, agent_count=0)
    wave.account()
    payment = payments.start_payment(
        site=stock["site"],
        package=stock["hour"],
        hotspot={},
        success_url="http://erp.test/ok",
        error_url="http://erp.test/err",
    )
    # the last voucher is gone before the payment completes: paid, owed
    Voucher.objects.filter(site=stock["site"], package=stock["hour"]).update(status="void")
    wave.state.complete(payment.provider_session_id)
    response = client.post(
        f"/portal/{stock['site'].code}/claim/",
        {**HOTSPOT, "reference": str(payment.pk)[:8].upper()},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="owed"' in page
    # the amount as the customer writes it, in the payment's currency ("FCFA 500", not
    # "500.00 XOF")
    assert format_money(payment.amount, payment.currency) in html.unescape(page)
    assert payment.currency == "XOF" and "XOF" not in page and "500.00" not in page
    payment.refresh_from_db()
    assert payment.status == "paid" and payment.sale is None


@pytest.mark.django_db
def test_wrong_references_are_refused_and_counted(client, wave, online_stock, settings):
    stock = online_stock(count=1)
    wave.account()
    url = f"/portal/{stock['site'].code}/claim/"
    for n in range(settings.PORTAL_DEVICE_MAX_FAILURES):
        response = client.post(url, {**HOTSPOT, "reference": f"T_NOPE{n:04d}"})
        assert response.status_code == 400
        assert "No payment with this reference" in response.content.decode()
    assert client.post(url, {**HOTSPOT, "reference": "T_ANYTHING1"}).status_code == 429
    assert VoucherAttempt.objects.filter(outcome="wrong").count() == 5
