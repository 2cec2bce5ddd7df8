"""Every sale has a channel: an agent's (agent), the office's (desk) or the customer's own
online purchase (online, through the captive portal). Online sales go through the same sale
record, earn no commission (even with a default rule), are idempotent per payment, and take
only office stock that is on the site's router."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from erp.accounts.roles import Role
from erp.sales import services
from erp.sales.models import CommissionRule, Sale
from erp.vouchers.models import Voucher
from tests.portal_fixtures import agent_sells


@pytest.mark.django_db
def test_agent_desk_and_online_sales_carry_their_channel(online_stock, users):
    stock = online_stock(count=2)
    CommissionRule.objects.create(percent=Decimal("10"))  # the default rule: everyone's 10 %
    sale = agent_sells(stock, stock["agent_codes"][0])
    assert sale.channel == "agent" and sale.commission == Decimal("50.00")

    desk, _ = services.sell(
        seller=users[Role.SALES],
        idempotency_key=uuid.uuid4(),
        payment_method="cash",
        package=stock["day"],
    )
    assert desk.channel == "desk"

    key = uuid.uuid4()
    online, created = services.sell_online(
        site=stock["site"],
        package=stock["hour"],
        payment_reference="pay-1",
        idempotency_key=key,
        amount=Decimal("500"),
    )
    assert created and online.channel == "online"
    assert online.commission == Decimal("0.00")  # the default rule does not reach online sales
    assert online.voucher.agent_id is None and online.voucher.status == "sold"
    assert online.payment_method == "mobile" and online.payment_reference == "pay-1"
    assert online.seller.username == services.ONLINE_SELLER
    assert not online.seller.is_active and not online.seller.has_usable_password()

    again, created = services.sell_online(
        site=stock["site"],
        package=stock["hour"],
        payment_reference="pay-1",
        idempotency_key=key,
        amount=Decimal("500"),
    )
    assert not created and again.pk == online.pk
    assert Sale.objects.filter(channel="online").count() == 1


@pytest.mark.django_db
def test_online_sale_refuses_a_wrong_amount_and_empty_stock(online_stock):
    stock = online_stock(count=1, agent_count=1)
    with pytest.raises(ValidationError, match="the package costs 500.00"):
        services.sell_online(
            site=stock["site"],
            package=stock["hour"],
            payment_reference="p",
            idempotency_key=uuid.uuid4(),
            amount=Decimal("499.99"),
        )
    assert not Sale.objects.exists()
    services.sell_online(
        site=stock["site"],
        package=stock["hour"],
        payment_reference="p",
        idempotency_key=uuid.uuid4(),
        amount=Decimal("500"),
    )
    # The only hour voucher left is the agent's: online never takes an agent's stock.
    with pytest.raises(services.OutOfStock):
        services.sell_online(
            site=stock["site"],
            package=stock["hour"],
            payment_reference="q",
            idempotency_key=uuid.uuid4(),
            amount=Decimal("500"),
        )
    assert Sale.objects.count() == 1
    assert Voucher.objects.get(code=stock["agent_codes"][0]).status == "unused"


@pytest.mark.django_db
def test_online_sales_stay_out_of_agent_statements(online_stock):
    stock = online_stock(count=1)
    agent_sells(stock, stock["agent_codes"][0])
    services.sell_online(
        site=stock["site"],
        package=stock["day"],
        payment_reference="p",
        idempotency_key=uuid.uuid4(),
        amount=Decimal("1000"),
    )
    figures = services.statement(stock["agent"])
    assert figures["sales_count"] == 1 and figures["sales_amount"] == Decimal("500.00")
