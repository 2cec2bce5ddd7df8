"""One payment → at most one voucher, whatever the order and number of webhooks, polls and
retries (Hypothesis), and whatever runs at the same moment (threads on PostgreSQL). A payment
that succeeded ends with exactly one voucher; one that failed with none."""

from __future__ import annotations

import json
import threading
import time

import pytest
from django.db import connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from erp.payments import services
from erp.payments.models import Payment
from erp.payments.simulator.wave import signature_header
from erp.sales.models import Sale
from tests.portal_fixtures import WAVE_SECRET

HOTSPOT = {"mac": "02:AA:BB:CC:DD:01", "ip": "10.5.50.23"}


@st.composite
def histories(draw):
    """Payments (1-3), each succeeding or failing, with 1-3 copies of its webhook and 0-2
    polls, plus retry sweeps, all in any order."""
    count = draw(st.integers(1, 3))
    outcomes = [draw(st.booleans()) for _ in range(count)]
    actions = []
    for i in range(count):
        actions += [("webhook", i)] * draw(st.integers(1, 3))
        actions += [("poll", i)] * draw(st.integers(0, 2))
    actions += [("retry", None)] * draw(st.integers(0, 2))
    return outcomes, draw(st.permutations(actions))


def _deliver(client, account, event):
    body = json.dumps(event).encode()
    header = signature_header([WAVE_SECRET], int(time.time()), body)
    return client.post(
        f"/payments/webhooks/{account.pk}/",
        data=body,
        content_type="application/json",
        headers={"Wave-Signature": header},
    )


@pytest.mark.django_db
def test_exactly_one_voucher_per_paid_payment_in_any_order(client, wave, online_stock):
    stock = online_stock(count=3, agent_count=0)
    account = wave.account()

    @settings(
        max_examples=25,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(histories())
    def run(history):
        outcomes, actions = history
        with transaction.atomic():
            payments = [
                services.start_payment(
                    site=stock["site"],
                    package=stock["hour"],
                    hotspot=HOTSPOT,
                    success_url="http://erp.test/ok",
                    error_url="http://erp.test/err",
                )
                for _ in outcomes
            ]
            events = {}
            for kind, i in actions:
                if kind == "webhook":
                    if i not in events:  # Wave sends a webhook only once the payer acted
                        session = wave.state.complete(
                            payments[i].provider_session_id, succeeded=outcomes[i]
                        )
                        events[i] = wave.state.event(session)
                    assert _deliver(client, account, events[i]).status_code == 200
                elif kind == "poll":
                    services.settle(payments[i].pk)
                else:
                    services.retry_owed()
                issued = Payment.objects.filter(
                    pk__in=[p.pk for p in payments], status="issued"
                ).count()
                assert Sale.objects.filter(channel="online").count() == issued
            for i, payment in enumerate(payments):
                payment = services.settle(payment.pk)  # the customer's page, last of all
                sales = Sale.objects.filter(idempotency_key=payment.pk)
                if outcomes[i]:
                    assert payment.status == "issued"
                    assert list(sales) == [payment.sale]
                else:
                    assert payment.status == "failed" and not sales.exists()
            transaction.set_rollback(True)

    run()


@pytest.mark.django_db(transaction=True)
def test_callbacks_and_polls_at_the_same_moment_issue_once(live_server, wave, online_stock):
    import requests

    stock = online_stock(count=2, agent_count=0)
    account = wave.account()
    payment = services.start_payment(
        site=stock["site"],
        package=stock["hour"],
        hotspot=HOTSPOT,
        success_url="http://erp.test/ok",
        error_url="http://erp.test/err",
    )
    event = wave.state.event(wave.state.complete(payment.provider_session_id))
    body = json.dumps(event).encode()
    url = f"{live_server.url}/payments/webhooks/{account.pk}/"
    start = threading.Barrier(8)
    errors = []

    def webhook():
        start.wait()
        header = signature_header([WAVE_SECRET], int(time.time()), body)
        status = requests.post(
            url,
            data=body,
            headers={"Content-Type": "application/json", "Wave-Signature": header},
            timeout=20,
        ).status_code
        if status != 200:
            errors.append(status)

    def poll():
        start.wait()
        try:
            services.settle(payment.pk)
        except Exception as exc:  # noqa: BLE001
            errors.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=webhook) for _ in range(4)]
    threads += [threading.Thread(target=poll) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    payment.refresh_from_db()
    assert payment.status == "issued"
    assert Sale.objects.filter(channel="online").count() == 1
