"""Refunds through the provider: Finance gives a payment back in full, once, whatever the
retries, lost answers and double clicks; an issued payment's voucher is voided first; a
refunded payment never issues afterwards."""

from __future__ import annotations

import threading
import uuid
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from erp.accounts.roles import Role
from erp.core.exceptions import NotAllowed
from erp.payments import services
from erp.payments.models import Payment, PaymentRefund
from erp.sales.models import Refund as SaleRefund
from erp.sales.services import sell_online


def _pay(stock):
    return services.start_payment(
        site=stock["site"],
        package=stock["hour"],
        hotspot={},
        success_url="http://erp.test/ok",
        error_url="http://erp.test/err",
    )


def _issued(wave, stock) -> Payment:
    payment = _pay(stock)
    wave.state.complete(payment.provider_session_id)
    payment = services.settle(payment.pk)
    assert payment.status == "issued"
    return payment


def _owed(wave, stock) -> Payment:
    """Paid at Wave, but the last voucher went to the desk meanwhile: "we owe you"."""
    payment = _pay(stock)
    sell_online(
        site=stock["site"],
        package=stock["hour"],
        payment_reference="desk",
        idempotency_key=uuid.uuid4(),
        amount=Decimal("500"),
    )
    wave.state.complete(payment.provider_session_id)
    payment = services.settle(payment.pk)
    assert payment.status == "paid" and payment.sale_id is None
    return payment


@pytest.mark.django_db
def test_an_owed_payment_is_refunded_once_and_never_issued_after(wave, online_stock, users):
    from erp.mikrotik.services import push_pending_users
    from erp.vouchers import services as voucher_services

    stock = online_stock(count=1, agent_count=0)
    wave.account()
    payment = _owed(wave, stock)
    finance = users[Role.FINANCE]
    refund = services.refund_payment(actor=finance, payment=payment, reason="customer asked")
    assert refund.state == "done" and refund.amount == Decimal("500.00")
    payment.refresh_from_db()
    assert payment.status == "refunded"
    assert wave.state.refunds == [
        {"session": payment.provider_session_id, "amount": "500", "key": str(refund.pk)}
    ]
    # a second click: refused with a clear reason, nothing sent
    with pytest.raises(ValidationError, match="Only a paid payment"):
        services.refund_payment(actor=finance, payment=payment, reason="again")
    # stock arrives: the minute sweep must not issue a voucher for refunded money
    batch = voucher_services.request_batch(
        actor=None, package=stock["hour"], router=stock["router"], quantity=1, preapproved=True
    )
    voucher_services.generate_batch(batch)
    voucher_services.queue_batch_push(batch)
    push_pending_users(stock["router"])
    assert services.retry_owed() == 0
    assert services.settle(payment.pk).status == "refunded"
    assert len(wave.state.refunds) == 1


@pytest.mark.django_db
def test_an_issued_payment_voids_its_voucher_and_refunds_the_sale(wave, online_stock, users):
    stock = online_stock(count=2, agent_count=0)
    wave.account()
    payment = _issued(wave, stock)
    refund = services.refund_payment(
        actor=users[Role.FINANCE], payment=payment, reason="wrong package"
    )
    payment.refresh_from_db()
    assert (refund.state, payment.status) == ("done", "refunded")
    assert payment.sale.voucher.status == "void"
    assert SaleRefund.objects.get(sale=payment.sale).amount == payment.amount
    assert len(wave.state.refunds) == 1


@pytest.mark.django_db
def test_a_lost_answer_is_retried_with_the_same_key_and_refunds_once(wave, online_stock, users):
    stock = online_stock(count=2, agent_count=0)
    wave.account()
    payment = _issued(wave, stock)
    wave.state.lose_refund = 1  # Wave refunds, then its answer is lost (500)
    refund = services.refund_payment(actor=users[Role.FINANCE], payment=payment, reason="r")
    payment.refresh_from_db()
    assert (refund.state, refund.attempts, payment.status) == ("requested", 1, "refunding")
    assert "500" in refund.error
    services.retry_owed()  # the minute sweep asks again, with the same idempotency key
    refund.refresh_from_db()
    payment.refresh_from_db()
    assert (refund.state, payment.status) == ("done", "refunded")
    assert [r["key"] for r in wave.state.refunds] == [str(refund.pk)]


@pytest.mark.django_db
def test_a_refusal_is_final_and_the_payment_goes_back(wave, online_stock, users):
    stock = online_stock(count=1, agent_count=0)
    wave.account()
    payment = _owed(wave, stock)
    # refunded at Wave by hand already: Wave answers 409 checkout-refund-failed
    wave.state.refunded.add(payment.provider_session_id)
    refund = services.refund_payment(actor=users[Role.FINANCE], payment=payment, reason="r")
    payment.refresh_from_db()
    assert refund.state == "failed" and "409" in refund.error
    assert payment.status == "paid"  # still owed, visible to Finance
    assert wave.state.refunds == []


@pytest.mark.django_db
def test_bad_requests_change_nothing(wave, online_stock, users):
    stock = online_stock(count=2, agent_count=0)
    wave.account()
    pending = _pay(stock)
    with pytest.raises(NotAllowed):
        services.refund_payment(actor=users[Role.AGENT], payment=pending, reason="r")
    with pytest.raises(ValidationError, match="Say why"):
        services.refund_payment(actor=users[Role.FINANCE], payment=pending, reason="  ")
    with pytest.raises(ValidationError, match="Only a paid payment"):
        services.refund_payment(actor=users[Role.FINANCE], payment=pending, reason="r")
    # our row says paid but Wave does not: nothing is refunded on our word alone
    issued = _issued(wave, stock)
    wave.state.sessions[issued.provider_session_id]["payment_status"] = "processing"
    with pytest.raises(ValidationError, match="does not report"):
        services.refund_payment(actor=users[Role.FINANCE], payment=issued, reason="r")
    issued.refresh_from_db()
    assert issued.status == "issued" and issued.sale.voucher.status != "void"
    assert not PaymentRefund.objects.exists() and wave.state.refunds == []


@pytest.mark.django_db(transaction=True)
def test_eight_clicks_at_once_refund_once(wave, online_stock, users, roles):
    stock = online_stock(count=1, agent_count=0)
    wave.account()
    payment = _owed(wave, stock)
    finance = users[Role.FINANCE]
    start = threading.Barrier(8)
    outcomes: list[str] = []

    def click():
        start.wait()
        try:
            services.refund_payment(actor=finance, payment=payment, reason="r")
            outcomes.append("refunded")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=click) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["refunded"] + ["refused"] * 7
    assert PaymentRefund.objects.filter(state="done").count() == 1
    assert len(wave.state.refunds) == 1
