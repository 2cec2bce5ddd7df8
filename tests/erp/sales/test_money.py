"""Refunds, remittances and statements: every figure reconciles to the cent."""

from __future__ import annotations

import random
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from erp.accounts.roles import Role
from erp.core.exceptions import NotAllowed
from erp.sales import services
from erp.sales.models import CommissionRule, Refund, Remittance, Sale
from erp.vouchers.choices import VoucherStatus
from erp.vouchers.models import Voucher


@pytest.fixture
def agent_shop(make_agent_stock, make_router, users):
    router = make_router()
    agent = users[Role.AGENT]
    packages = [
        make_agent_stock(agent=agent, router=router, name=name, price=price, quantity=80)["package"]
        for name, price in (("1 Hour", "500"), ("1 Day", "1250.50"), ("1 Week", "5000"))
    ]
    CommissionRule.objects.create(percent=Decimal("7.5"))
    CommissionRule.objects.create(package=packages[2], fixed=Decimal("300"))
    return {"agent": agent, "packages": packages}


def _sale(agent, package, when=None, discount=Decimal("0")):
    sale, _ = services.sell(
        seller=agent,
        idempotency_key=uuid.uuid4(),
        payment_method="cash",
        package=package,
        discount=discount,
    )
    if when is not None:  # spread the month out (the sale time is the server's)
        Sale.objects.filter(pk=sale.pk).update(sold_at=when)
        sale.refresh_from_db()
    return sale


@pytest.mark.django_db
def test_a_month_of_sales_reconciles_to_the_cent(agent_shop, users):
    """Given a generated month of sales, refunds and remittances, the statement's figures are
    exactly what adding the rows up by hand gives."""
    rng = random.Random(20261121)
    agent, finance = agent_shop["agent"], users[Role.FINANCE]
    month_start = timezone.now().replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    before = month_start - timedelta(days=3)
    sales = [_sale(agent, rng.choice(agent_shop["packages"]), before) for _ in range(5)]
    for day in range(28):
        for _ in range(rng.randint(1, 4)):
            sales.append(
                _sale(
                    agent,
                    rng.choice(agent_shop["packages"]),
                    month_start + timedelta(days=day, hours=rng.randint(6, 20)),
                )
            )
    refunded = rng.sample(sales[5:], 6)
    for sale in refunded:
        refund = services.refund_sale(actor=finance, sale=sale, reason="customer complaint")
        Refund.objects.filter(pk=refund.pk).update(refunded_at=sale.sold_at + timedelta(hours=1))
    remit_total = Decimal("0")
    for day in (7, 14, 21):
        remittance = services.record_remittance(
            actor=finance, agent=agent, amount=Decimal("2000.25"), method="cash"
        )
        Remittance.objects.filter(pk=remittance.pk).update(
            received_at=month_start + timedelta(days=day)
        )
        remit_total += Decimal("2000.25")

    month_end = month_start + timedelta(days=28)
    got = services.statement(agent, start=month_start, end=month_end)

    in_month = [s for s in sales if month_start <= s.sold_at < month_end]
    expected_sales = sum((s.amount for s in in_month), Decimal("0"))
    expected_refunds = sum((s.amount for s in refunded), Decimal("0"))
    expected_commission = sum((s.commission for s in in_month), Decimal("0")) - sum(
        (s.commission for s in refunded), Decimal("0")
    )
    assert got["sales_count"] == len(in_month)
    assert got["sales_amount"] == expected_sales
    assert got["refunds_amount"] == expected_refunds
    assert got["collected"] == expected_sales - expected_refunds
    assert got["commission"] == expected_commission
    assert got["remitted"] == remit_total
    all_sales = sum((s.amount for s in sales), Decimal("0"))
    all_commission = sum((s.commission for s in sales), Decimal("0"))
    assert got["balance_owed"] == (
        all_sales
        - expected_refunds
        - all_commission
        + sum((s.commission for s in refunded), Decimal("0"))
        - remit_total
    )
    # Commission was computed per sale: 7.5 % of the amount, or 300 on the week package
    for sale in sales:
        expected = (
            Decimal("300.00")
            if sale.package.name == "1 Week"
            else (sale.amount * Decimal("0.075")).quantize(Decimal("0.01"))
        )
        assert sale.commission == expected


@pytest.mark.django_db
def test_refund_reverses_commission_and_voids_the_voucher(agent_shop, users):
    sale = _sale(agent_shop["agent"], agent_shop["packages"][0])
    with pytest.raises(NotAllowed, match="may not refund"):
        services.refund_sale(actor=users[Role.SALES], sale=sale, reason="x")
    with pytest.raises(ValidationError):
        services.refund_sale(actor=users[Role.FINANCE], sale=sale, reason="  ")
    refund = services.refund_sale(actor=users[Role.FINANCE], sale=sale, reason="no signal")
    assert refund.amount == sale.amount and refund.commission_reversed == sale.commission
    assert Voucher.objects.get(pk=sale.voucher_id).status == VoucherStatus.VOID
    with pytest.raises(ValidationError, match="already refunded"):
        services.refund_sale(actor=users[Role.FINANCE], sale=sale, reason="again")
    sale.refresh_from_db()
    assert sale.amount == Decimal("500.00")  # the sale itself is untouched
    assert Refund.objects.count() == 1


@pytest.mark.django_db
def test_remittance_over_the_balance_needs_confirmation(agent_shop, users):
    agent, finance = agent_shop["agent"], users[Role.FINANCE]
    _sale(agent, agent_shop["packages"][0])  # 500, commission 37.50 → owes 462.50
    assert services.agent_balance(agent) == Decimal("462.50")
    with pytest.raises(ValidationError, match="owes TZS|owes 462.50"):
        services.record_remittance(actor=finance, agent=agent, amount=Decimal("500"), method="cash")
    for bad in (Decimal("0"), Decimal("-5")):
        with pytest.raises(ValidationError):
            services.record_remittance(actor=finance, agent=agent, amount=bad, method="cash")
    with pytest.raises(NotAllowed, match="may not record"):
        services.record_remittance(actor=agent, agent=agent, amount=Decimal("10"), method="cash")
    assert not Remittance.objects.exists()
    services.record_remittance(
        actor=finance, agent=agent, amount=Decimal("500"), method="cash", confirm_over=True
    )
    assert services.agent_balance(agent) == Decimal("-37.50")  # the office owes the agent


@pytest.mark.django_db
def test_money_api(api, agent_shop, users):
    agent = agent_shop["agent"]
    sale = _sale(agent, agent_shop["packages"][1])
    finance = api(users[Role.FINANCE])
    assert (
        api(users[Role.SALES])
        .post(f"/api/v1/sales/{sale.pk}/refund/", {"reason": "x"}, format="json")
        .status_code
        == 403
    )
    refunded = finance.post(
        f"/api/v1/sales/{sale.pk}/refund/", {"reason": "duplicate"}, format="json"
    )
    assert refunded.status_code == 201 and refunded.json()["amount"] == "1250.50"
    other_sale = _sale(agent, agent_shop["packages"][0])
    remitted = finance.post(
        "/api/v1/remittances/",
        {"agent": str(agent.pk), "amount": "100.00", "method": "cash"},
        format="json",
    )
    assert remitted.status_code == 201
    too_much = finance.post(
        "/api/v1/remittances/",
        {"agent": str(agent.pk), "amount": "10000", "method": "cash"},
        format="json",
    )
    assert too_much.status_code == 400 and "amount" in too_much.json()
    statement = api(agent).get(f"/api/v1/statements/{agent.pk}/").json()
    assert statement["sales_count"] == 2 and statement["remitted"] == "100.00"
    assert Decimal(statement["balance_owed"]) == (
        other_sale.amount - other_sale.commission - Decimal("100.00")
    )
    assert api(users[Role.SALES]).get(f"/api/v1/statements/{agent.pk}/").status_code == 404
    bad_date = finance.get(f"/api/v1/statements/{agent.pk}/", {"start": "yesterday"})
    assert bad_date.status_code == 400


@pytest.mark.django_db
def test_daily_summary_by_package_and_payment_method(api, agent_shop, users):
    agent = agent_shop["agent"]
    hour, day_pkg, _week = agent_shop["packages"]
    for package, method, ref in ((hour, "cash", ""), (hour, "mobile", "M1"), (day_pkg, "cash", "")):
        services.sell(
            seller=agent,
            idempotency_key=uuid.uuid4(),
            payment_method=method,
            payment_reference=ref,
            package=package,
        )
    refunded = Sale.objects.filter(package=day_pkg).get()
    services.refund_sale(actor=users[Role.FINANCE], sale=refunded, reason="wrong package")
    today = timezone.localdate()
    report = api(users[Role.FINANCE]).get(
        "/api/v1/reports/daily/", {"day": today.isoformat(), "seller": str(agent.pk)}
    )
    assert report.status_code == 200, report.json()
    body = report.json()
    assert body["count"] == 3 and body["amount"] == "2250.50"
    by_package = {r["package"]: (r["count"], Decimal(str(r["amount"]))) for r in body["by_package"]}
    assert by_package == {"1 Hour": (2, Decimal("1000.00")), "1 Day": (1, Decimal("1250.50"))}
    by_method = {r["payment_method"]: r["count"] for r in body["by_payment_method"]}
    assert by_method == {"cash": 2, "mobile": 1}
    assert body["refunds_count"] == 1 and Decimal(str(body["refunds_amount"])) == Decimal("1250.50")
    other_day = api(users[Role.FINANCE]).get(
        "/api/v1/reports/daily/", {"day": (today - timedelta(days=1)).isoformat()}
    )
    assert other_day.json()["count"] == 0
    assert api(users[Role.FINANCE]).get("/api/v1/reports/daily/").status_code == 400
    assert (
        api(users[Role.TECHNICAL])
        .get("/api/v1/reports/daily/", {"day": today.isoformat()})
        .status_code
        == 403
    )
