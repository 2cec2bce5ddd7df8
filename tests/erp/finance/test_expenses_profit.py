"""Expenses with approval above a threshold, and profit per site to the cent."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from erp.accounts.roles import Role
from erp.core.exceptions import NotAllowed
from erp.finance import services
from erp.finance.models import Expense
from erp.sales import services as sales


@pytest.mark.django_db
def test_expense_approval_threshold_and_four_eyes(users, two_sites, settings, make_user):
    settings.EXPENSE_APPROVAL_THRESHOLD = 50_000
    finance, admin = users[Role.FINANCE], users[Role.SUPER_ADMIN]
    today = timezone.localdate()
    small = services.record_expense(
        actor=finance,
        category="power",
        site=two_sites["sites"][0],
        amount=Decimal("20000"),
        spent_on=today,
        payee="TANESCO",
    )
    big = services.record_expense(
        actor=finance,
        category="equipment",
        site=None,
        amount=Decimal("750000"),
        spent_on=today,
        payee="Supplier",
        receipt=SimpleUploadedFile("r.pdf", b"%PDF-1.4 receipt"),
    )
    assert small.status == "approved" and big.status == "pending" and big.receipt.name
    with pytest.raises(NotAllowed, match="Someone else"):
        services.decide_expense(actor=finance, expense=big, approve=True)
    services.decide_expense(actor=admin, expense=big, approve=True)
    big.refresh_from_db()
    assert big.status == "approved" and big.decided_by == admin
    with pytest.raises(ValidationError, match="already decided"):
        services.decide_expense(actor=admin, expense=big, approve=False)
    for bad in (
        {"amount": Decimal("0")},
        {"amount": Decimal("-3")},
        {"spent_on": today + timedelta(days=2)},
    ):
        args = {
            "category": "rent",
            "site": None,
            "amount": Decimal("5"),
            "spent_on": today,
            "payee": "x",
            **bad,
        }
        with pytest.raises(ValidationError):
            services.record_expense(actor=finance, **args)
    with pytest.raises(NotAllowed, match="may not record"):
        services.record_expense(
            actor=users[Role.SALES],
            category="rent",
            site=None,
            amount=Decimal("5"),
            spent_on=today,
            payee="x",
        )
    assert Expense.objects.count() == 2


@pytest.mark.django_db
def test_profit_per_site_to_the_cent(api, users, two_sites):
    agent, finance = users[Role.AGENT], users[Role.FINANCE]
    site_a, site_b = two_sites["sites"]
    pkg_a, pkg_b = two_sites["packages"]
    made = [
        sales.sell(seller=agent, idempotency_key=uuid.uuid4(), payment_method="cash", package=p)[0]
        for p in (pkg_a, pkg_a, pkg_a, pkg_b)
    ]
    sales.refund_sale(actor=finance, sale=made[0], reason="no signal")
    today = timezone.localdate()
    services.record_expense(
        actor=finance,
        category="rent",
        site=site_a,
        amount=Decimal("450.25"),
        spent_on=today,
        payee="Landlord",
    )
    services.record_expense(
        actor=finance,
        category="bandwidth",
        site=None,
        amount=Decimal("99.99"),
        spent_on=today,
        payee="ISP",
    )
    pending = services.record_expense(
        actor=finance,
        category="equipment",
        site=site_b,
        amount=Decimal("10000000"),
        spent_on=today,
        payee="X",
    )
    assert pending.status == "pending"  # not counted until approved

    response = api(finance).get(
        "/api/v1/reports/profit/",
        {"start": today.isoformat(), "end": (today + timedelta(days=1)).isoformat()},
    )
    assert response.status_code == 200, response.json()
    rows = {r["name"]: r for r in response.json()["sites"]}
    a = rows[site_a.name]
    # site A: 3 × 1000 sold, 1000 refunded, commission 300 − 100 reversed, rent 450.25
    assert (
        Decimal(a["revenue"]),
        Decimal(a["refunds"]),
        Decimal(a["commission"]),
        Decimal(a["expenses"]),
        Decimal(a["profit"]),
    ) == (
        Decimal("3000.00"),
        Decimal("1000.00"),
        Decimal("200.00"),
        Decimal("450.25"),
        Decimal("1349.75"),
    )
    assert Decimal(rows[site_b.name]["profit"]) == Decimal("900.00")
    assert Decimal(rows["Head office"]["profit"]) == Decimal("-99.99")
    assert response.json()["total_profit"] == "2149.76"  # a string: money is never a float
    assert a["profit"] == "1349.75"
    assert (
        api(finance)
        .get("/api/v1/reports/profit/", {"start": "2026-01-02", "end": "2026-01-01"})
        .status_code
        == 400
    )
    assert (
        api(users[Role.AGENT])
        .get("/api/v1/reports/profit/", {"start": "2026-01-01", "end": "2026-01-02"})
        .status_code
        == 403
    )


@pytest.mark.django_db
def test_profit_excel_reads_back_with_typed_cells_and_totals(api, users, two_sites):
    import io

    from openpyxl import load_workbook

    agent, finance = users[Role.AGENT], users[Role.FINANCE]
    site_a, _site_b = two_sites["sites"]
    for package in two_sites["packages"]:
        sales.sell(
            seller=agent, idempotency_key=uuid.uuid4(), payment_method="cash", package=package
        )
    today = timezone.localdate()
    services.record_expense(
        actor=finance,
        category="rent",
        site=site_a,
        amount=Decimal("450.25"),
        spent_on=today,
        payee="Landlord",
    )
    params = {"start": today.isoformat(), "end": (today + timedelta(days=1)).isoformat()}
    response = api(finance).get("/api/v1/reports/profit.xlsx", params)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["Profit", "Expenses"]
    profit = workbook["Profit"]
    rows = list(profit.iter_rows(min_row=2, values_only=True))
    by_site = {r[0]: r for r in rows[:-1]}
    assert by_site[site_a.name][1] == 1000 and by_site[site_a.name][5] == pytest.approx(449.75)
    assert isinstance(by_site[site_a.name][1], (int, float))  # a number, not text
    assert rows[-1][0] == "Total" and rows[-1][5] == f"=SUM(F2:F{len(rows)})"
    assert profit["B2"].number_format == "#,##0"  # shillings: no decimals shown
    expenses = list(workbook["Expenses"].iter_rows(min_row=2, values_only=True))
    assert expenses[0][1] == site_a.name and expenses[0][6] == pytest.approx(450.25)
    assert expenses[0][0].date() == today
    # the same figures as the JSON report
    report = api(finance).get("/api/v1/reports/profit/", params).json()
    json_profit = {r["name"]: r["profit"] for r in report["sites"]}
    assert Decimal(json_profit[site_a.name]) == Decimal(str(by_site[site_a.name][5]))
