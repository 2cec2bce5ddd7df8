"""The daily reconciliation lists every difference between our payments and Wave's records,
and none where they agree."""

from __future__ import annotations

import pytest
from django.utils import timezone

from erp.payments import services
from erp.payments.models import Reconciliation


def _pay(stock):
    return services.start_payment(
        site=stock["site"],
        package=stock["hour"],
        hotspot={},
        success_url="http://erp.test/ok",
        error_url="http://erp.test/err",
    )


@pytest.mark.django_db
def test_reconciliation_lists_each_difference(wave, online_stock):
    stock = online_stock(count=4, agent_count=0)
    account = wave.account()
    agreed, unrecorded, lying, cheap = (_pay(stock) for _ in range(4))
    for payment in (agreed, unrecorded, lying, cheap):
        wave.state.complete(payment.provider_session_id)
    services.settle(agreed.pk)
    services.settle(lying.pk)
    services.settle(cheap.pk)
    # Wave's records change under us: one issued payment is not paid there, one paid less
    wave.state.sessions[lying.provider_session_id]["payment_status"] = "processing"
    wave.state.sessions[cheap.provider_session_id]["amount"] = "400"
    report = services.reconcile(account=account, day=timezone.localdate())
    assert isinstance(report, Reconciliation) and report.checked == 4
    found = {(d["payment"], d["kind"]) for d in report.differences}
    assert found == {
        (str(unrecorded.pk), "paid_not_recorded"),
        (str(lying.pk), "issued_not_paid"),
        (str(cheap.pk), "amount"),
    }
    assert report.unreachable == 0


@pytest.mark.django_db
def test_a_provider_down_is_counted_not_guessed(wave, online_stock):
    stock = online_stock(count=1, agent_count=0)
    account = wave.account()
    _pay(stock)
    wave.state.fail_next = 1
    report = services.reconcile(account=account, day=timezone.localdate())
    assert (report.checked, report.unreachable, report.differences) == (1, 1, [])
