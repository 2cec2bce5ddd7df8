"""Wave webhooks: only a valid signature within five minutes is heard, a replay does nothing,
and nothing is issued on a webhook's word — the session is read again from Wave first. One
payment issues one voucher; a payment that cannot issue is owed, visible and retried."""

from __future__ import annotations

import json
import time
from decimal import Decimal

import pytest

from erp.payments import services
from erp.payments.models import Payment, WebhookEvent
from erp.payments.simulator.wave import sign, signature_header
from erp.portal.models import PortalSession, PortalSettings
from erp.sales.models import Sale
from tests.portal_fixtures import WAVE_SECRET

HOTSPOT = {"mac": "02:AA:BB:CC:DD:01", "ip": "10.5.50.23"}


def _pay(stock, *, package=None):
    return services.start_payment(
        site=stock["site"],
        package=package or stock["hour"],
        hotspot=HOTSPOT,
        success_url="http://erp.test/portal/ok/{id}/",
        error_url="http://erp.test/portal/err/{id}/",
    )


def _post(client, account, event, *, header=None, secrets=(WAVE_SECRET,), at=None):
    body = json.dumps(event).encode()
    header = header or signature_header(list(secrets), int(at or time.time()), body)
    return client.post(
        f"/payments/webhooks/{account.pk}/",
        data=body,
        content_type="application/json",
        headers={"Wave-Signature": header},
    )


def _completed(wave, payment, *, succeeded=True):
    session = wave.state.complete(payment.provider_session_id, succeeded=succeeded)
    return wave.state.event(session)


@pytest.mark.django_db
def test_a_valid_webhook_issues_one_voucher_after_reading_the_session_again(
    client, wave, online_stock
):
    stock = online_stock(count=2)
    account = wave.account()
    payment = _pay(stock)
    assert payment.status == "pending" and payment.launch_url.startswith(wave.url)
    assert payment.amount == Decimal("500.00")
    event = _completed(wave, payment)
    reads_before = wave.state.requests
    response = _post(client, account, event)
    assert response.status_code == 200 and response.json() == {"outcome": "settled"}
    assert wave.state.requests == reads_before + 1  # the session was read again from Wave
    payment.refresh_from_db()
    assert payment.status == "issued" and payment.issue_error == ""
    sale = payment.sale
    assert (sale.channel, sale.amount, sale.commission) == ("online", Decimal("500"), 0)
    assert (
        sale.payment_reference == wave.state.sessions[payment.provider_session_id]["transaction_id"]
    )
    # the same event again: a replay, nothing more
    again = _post(client, account, event)
    assert again.status_code == 200 and again.json() == {"outcome": "replay"}
    assert Sale.objects.count() == 1 and WebhookEvent.objects.count() == 1


@pytest.mark.django_db
def test_signature_cases(client, wave, online_stock):
    stock = online_stock(count=1)
    account = wave.account()
    payment = _pay(stock)
    event = _completed(wave, payment)
    assert _post(client, account, event, secrets=("not-the-secret",)).status_code == 401
    old = time.time() - 301
    assert _post(client, account, event, at=old).status_code == 401
    future = time.time() + 301
    assert _post(client, account, event, at=future).status_code == 401
    assert _post(client, account, event, header="v1=abc").status_code == 401
    assert _post(client, account, event, header="t=x,v1=abc").status_code == 401
    # a body changed after signing
    body = json.dumps(event).encode()
    now = int(time.time())
    tampered = client.post(
        f"/payments/webhooks/{account.pk}/",
        data=body.replace(b"succeeded", b"succeeded "),
        content_type="application/json",
        headers={"Wave-Signature": f"t={now},v1={sign(WAVE_SECRET, now, body)}"},
    )
    assert tampered.status_code == 401
    assert not Sale.objects.exists() and not WebhookEvent.objects.exists()
    # two v1 values (a secret being rotated): the one that matches is enough
    response = _post(client, account, event, secrets=("the-old-secret", WAVE_SECRET))
    assert response.status_code == 200 and response.json()["outcome"] == "settled"
    assert Sale.objects.count() == 1


@pytest.mark.django_db
def test_a_webhook_that_lies_issues_nothing(client, wave, online_stock):
    """Signed, but Wave's own record says the payment has not succeeded: nothing issued."""
    stock = online_stock(count=1)
    account = wave.account()
    payment = _pay(stock)
    session = dict(wave.state.sessions[payment.provider_session_id])
    session["payment_status"] = "succeeded"  # the webhook claims it; Wave's record does not
    event = {"id": "EV_forged", "type": "checkout.session.completed", "data": session}
    assert _post(client, account, event).json() == {"outcome": "settled"}
    payment.refresh_from_db()
    assert payment.status == "pending" and not Sale.objects.exists()


@pytest.mark.django_db
def test_unknown_payment_and_failed_payment(client, wave, online_stock):
    stock = online_stock(count=1)
    account = wave.account()
    stray = {
        "id": "EV_stray",
        "type": "checkout.session.completed",
        "data": {"id": "cos-nope", "client_reference": "00000000-0000-0000-0000-000000000000"},
    }
    assert _post(client, account, stray).json() == {"outcome": "unknown payment"}
    payment = _pay(stock)
    event = _completed(wave, payment, succeeded=False)
    assert event["type"] == "checkout.session.payment_failed"
    assert _post(client, account, event).json() == {"outcome": "settled"}
    payment.refresh_from_db()
    assert payment.status == "failed" and not Sale.objects.exists()


@pytest.mark.django_db
def test_provider_down_on_reread_answers_503_and_wave_retries(client, wave, online_stock):
    stock = online_stock(count=1)
    account = wave.account()
    payment = _pay(stock)
    event = _completed(wave, payment)
    wave.state.fail_next = 1
    assert _post(client, account, event).status_code == 503
    assert not Sale.objects.exists() and not WebhookEvent.objects.exists()
    assert _post(client, account, event).json() == {"outcome": "settled"}  # Wave's retry
    assert Sale.objects.count() == 1


@pytest.mark.django_db
def test_paid_without_stock_is_owed_visible_and_issued_by_the_retry(wave, online_stock):
    from erp.mikrotik.services import push_pending_users
    from erp.payments.selectors import owed_payments
    from erp.vouchers import services as voucher_services

    stock = online_stock(count=1)
    wave.account()
    payment = _pay(stock)
    # the last hour voucher is sold at the desk while the customer pays
    services.settle(payment.pk)
    from erp.sales.services import sell_online

    sell_online(
        site=stock["site"],
        package=stock["hour"],
        payment_reference="desk",
        idempotency_key=__import__("uuid").uuid4(),
        amount=Decimal("500"),
    )
    _completed(wave, payment)
    payment = services.settle(payment.pk)
    assert payment.status == "paid" and "No 1 Hour" in payment.issue_error
    assert list(owed_payments()) == [payment]
    assert services.retry_owed() == 0  # still no stock: still owed, never lost
    batch = voucher_services.request_batch(
        actor=None, package=stock["hour"], router=stock["router"], quantity=1, preapproved=True
    )
    voucher_services.generate_batch(batch)
    voucher_services.queue_batch_push(batch)
    push_pending_users(stock["router"])
    assert services.retry_owed() == 1
    payment.refresh_from_db()
    assert payment.status == "issued" and payment.issue_attempts == 3
    assert not owed_payments().exists()


@pytest.mark.django_db
def test_an_amount_that_differs_from_the_package_price_issues_nothing(wave, online_stock):
    stock = online_stock(count=1)
    wave.account()
    payment = _pay(stock)
    wave.state.sessions[payment.provider_session_id]["amount"] = "100"
    _completed(wave, payment)
    payment = services.settle(payment.pk)
    assert payment.status == "paid" and "we asked 500.00 XOF" in payment.issue_error
    assert not Sale.objects.exists()


@pytest.mark.django_db
def test_a_lost_create_is_found_by_its_reference(wave, online_stock):
    stock = online_stock(count=1)
    wave.account()
    wave.state.lose_create = 1
    payment = _pay(stock)
    assert payment.status == "pending"
    assert wave.state.sessions[payment.provider_session_id]["client_reference"] == str(payment.pk)
    assert len(wave.state.sessions) == 1


@pytest.mark.django_db
def test_a_provider_down_at_create_leaves_an_unissuable_payment(wave, online_stock):
    stock = online_stock(count=1)
    wave.account()
    wave.state.fail_next = 2  # the create and the search both fail
    with pytest.raises(services.ProviderError):
        _pay(stock)
    payment = Payment.objects.get()
    assert payment.status == "created" and payment.sale is None


@pytest.mark.django_db(transaction=True)
def test_api_login_sites_log_the_paid_device_in_from_the_callback(
    client, wave, online_stock, simulator
):
    stock = online_stock(count=1)
    PortalSettings.objects.create(site=stock["site"], login_method="api")
    account = wave.account()
    payment = _pay(stock)
    event = _completed(wave, payment)
    assert _post(client, account, event).json() == {"outcome": "settled"}
    payment.refresh_from_db()
    active = simulator.call(lambda: [dict(r) for r in stock["simulated"].state.active.items])
    assert [(a["user"], a["address"]) for a in active] == [
        (payment.sale.voucher.code, "10.5.50.23")
    ]
    assert PortalSession.objects.get().payment_id == payment.pk
