"""Finance reports: one set of figures, read back from the JSON, the .xlsx and the PDF."""

from __future__ import annotations

import io
import uuid
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader

from analytics import exports, reports
from erp.accounts.roles import Role
from erp.finance import services as finance
from erp.sales import services as sales
from erp.sales.models import Sale


def _period():
    today = timezone.localdate()
    return {"start": today.isoformat(), "end": (today + timedelta(days=1)).isoformat()}


@pytest.fixture
def month(two_sites, users, make_user):
    """Given: agent A sells 3 (one refunded, one with mobile money), agent B sells 1, agent A
    remits 500, and Finance records a rent of 450.25 at site A and a head-office expense."""
    agent, finance_user = users[Role.AGENT], users[Role.FINANCE]
    site_a, site_b = two_sites["sites"]
    package_a, package_b = two_sites["packages"]
    other = make_user(Role.AGENT, username="agent-b")
    site_a.agents.add(other)
    made = [
        sales.sell(
            seller=agent, idempotency_key=uuid.uuid4(), payment_method="cash", package=package_a
        )[0],
        sales.sell(
            seller=agent, idempotency_key=uuid.uuid4(), payment_method="cash", package=package_a
        )[0],
        sales.sell(
            seller=agent,
            idempotency_key=uuid.uuid4(),
            payment_method="mobile",
            payment_reference="MP123",
            package=package_b,
        )[0],
    ]
    # agent B sells from office stock moved to them: reuse one of A's vouchers' package stock
    from erp.vouchers.models import Voucher

    Voucher.objects.filter(
        pk=Voucher.objects.filter(status="unused", package=package_a).values("pk")[:1]
    ).update(agent=other)
    made.append(
        sales.sell(
            seller=other, idempotency_key=uuid.uuid4(), payment_method="cash", package=package_a
        )[0]
    )
    sales.refund_sale(actor=finance_user, sale=made[1], reason="router down")
    sales.record_remittance(actor=finance_user, agent=agent, amount=Decimal("500"), method="cash")
    today = timezone.localdate()
    finance.record_expense(
        actor=finance_user,
        category="rent",
        site=site_a,
        amount=Decimal("450.25"),
        spent_on=today,
        payee="Landlord",
    )
    finance.record_expense(
        actor=finance_user,
        category="other",
        site=None,
        amount=Decimal("99.99"),
        spent_on=today,
        payee="Stationer",
    )
    return {"sales": made, "agent": agent, "other": other, "sites": (site_a, site_b)}


@pytest.mark.django_db
def test_statements_report_equals_each_agents_statement_and_shows_shortfall_first(
    api, users, month
):
    finance_user = users[Role.FINANCE]
    body = api(finance_user).get("/api/v1/reports/statements.json", _period()).json()
    (section,) = body["sections"]
    rows = {row[8]: row for row in section["rows"]}
    today = timezone.localdate()
    report = reports.build_report(
        "statements", actor=finance_user, start=today, end=today + timedelta(days=1)
    )
    lo, hi = reports._bounds(report.start, report.end)
    for agent in (month["agent"], month["other"]):
        figures = sales.statement(agent, start=lo, end=hi)
        row = rows[agent.username]
        assert Decimal(row[3]) == figures["sales_amount"]
        assert Decimal(row[6]) == figures["commission"]
        assert Decimal(row[1]) == figures["balance_owed"]
    # agent A: sold 3000, refunded 1000, commission 10% of 2000 kept = 200, remitted 500
    assert Decimal(rows[month["agent"].username][1]) == Decimal("1300.00")
    assert Decimal(rows[month["other"].username][1]) == Decimal("900.00")
    balances = [Decimal(r[1]) for r in section["rows"]]
    assert balances == sorted(balances, reverse=True)  # the biggest shortfall on top
    assert Decimal(section["totals"][1]) == sum(balances)


@pytest.mark.django_db
def test_sales_report_workbook_reads_back_typed_with_totals(api, users, month):
    finance_user = users[Role.FINANCE]
    response = api(finance_user).get("/api/v1/reports/sales.xlsx", _period())
    assert response.status_code == 200
    assert response["Content-Type"] == exports.XLSX
    assert response["Content-Disposition"].startswith('attachment; filename="sales-')
    wb = load_workbook(io.BytesIO(response.content))
    assert wb.sheetnames == [
        "Sales by site",
        "Sales by seller",
        "Sales by package",
        "Sales by payment",
        "Sales by channel",
        "Sales",
        "Refunds",
    ]
    detail = wb["Sales"]
    header = [c.value for c in detail[1]]
    assert header[9] == "Amount (TZS)"
    rows = list(detail.iter_rows(min_row=2, values_only=True))
    body, total = rows[:-1], rows[-1]
    assert len(body) == 4
    receipts = {Sale.objects.get(pk=s.pk).receipt_number for s in month["sales"]}
    assert {r[2] for r in body} <= receipts | {1, 2, 3}
    assert all(isinstance(r[9], (int, float)) for r in body)  # numbers, not text
    assert sum(Decimal(str(r[9])) for r in body) == Decimal("4000")
    assert total[0] == "Total" and total[9] == f"=SUM(J2:J{len(body) + 1})"
    assert detail["J2"].number_format == "#,##0"  # shillings: no decimals shown
    assert detail["A2"].number_format == "yyyy-mm-dd hh:mm"
    assert {r[7] for r in body} == {"", "MP123"} or {r[7] for r in body} == {None, "MP123"}
    refunds = list(wb["Refunds"].iter_rows(min_row=2, values_only=True))
    assert refunds[0][4] == "router down" and refunds[0][6] == 1000
    by_seller = {r[0]: r for r in wb["Sales by seller"].iter_rows(min_row=2, values_only=True)}
    assert by_seller[month["agent"].username][1:3] == (3, 3000)
    assert by_seller[month["other"].username][1:3] == (1, 1000)
    by_payment = {r[0]: r for r in wb["Sales by payment"].iter_rows(min_row=2, values_only=True)}
    assert by_payment["Cash"][1] == 3 and by_payment["Mobile money"][2] == 1000
    by_channel = {r[0]: r for r in wb["Sales by channel"].iter_rows(min_row=2, values_only=True)}
    assert by_channel["Agent"][1:3] == (4, 4000)
    assert {r[11] for r in body} == {"Agent"}


@pytest.mark.django_db
def test_profit_pdf_is_a4_with_header_rows_and_totals(api, users, month, settings):
    settings.ORGANISATION_NAME = 'Kilimo "WiFi" </style> Ltd'
    response = api(users[Role.FINANCE]).get("/api/v1/reports/profit.pdf", _period())
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    pdf = PdfReader(io.BytesIO(response.content))
    page = pdf.pages[0]
    width, height = float(page.mediabox.width), float(page.mediabox.height)
    assert (round(width), round(height)) == (842, 595)  # A4 landscape, in points
    text = "\n".join(p.extract_text() for p in pdf.pages)
    site_a, _site_b = month["sites"]
    assert 'Kilimo "WiFi" </style> Ltd — Profit per site' in text
    assert "Page 1 / 1" in text
    assert site_a.name in text and "Head office" in text
    # site A: revenue 3000 (incl. agent B's), refunds 1000, commission 300 − 100, rent 450.25
    # (shillings are written without decimals: 1,349.75 reads "1,350")
    assert "1,350" in text and "1,349.75" not in text
    # total profit: site A 1,349.75 + site B (1000 − 100) + head office −99.99
    assert "2,150" in text
    assert "Stationer" in text and "450" in text


@pytest.mark.django_db
def test_a_long_detail_table_is_left_out_of_the_pdf_not_cut(users, month, monkeypatch):
    monkeypatch.setattr(exports, "PDF_MAX_ROWS", 2)
    today = timezone.localdate()
    report = reports.build_report(
        "sales", actor=users[Role.FINANCE], start=today, end=today + timedelta(days=1)
    )
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(exports.pdf(report))).pages)
    assert "4 rows: too many to print; the Excel export has every row." in text
    assert "Sales by package" in text  # the summaries are still there


@pytest.mark.django_db
def test_an_agent_gets_only_the_agents_own_figures(api, users, month):
    agent = month["agent"]
    body = api(agent).get("/api/v1/reports/sales.json", _period()).json()
    detail = next(s for s in body["sections"] if s["title"] == "Sales")
    assert {row[3] for row in detail["rows"]} == {agent.username}
    statements = api(agent).get("/api/v1/reports/statements.json", _period()).json()
    assert [row[8] for row in statements["sections"][0]["rows"]] == [agent.username]
    remittances = api(month["other"]).get("/api/v1/reports/remittances.json", _period()).json()
    assert remittances["sections"][0]["rows"] == []
    for report in ("expenses", "profit"):
        assert api(agent).get(f"/api/v1/reports/{report}.pdf", _period()).status_code == 403


@pytest.mark.django_db
def test_bad_report_requests_are_clear_errors(api, users):
    client = api(users[Role.FINANCE])
    assert client.get("/api/v1/reports/nope.xlsx", _period()).status_code == 404
    assert client.get("/api/v1/reports/sales.docx", _period()).status_code == 404
    today = timezone.localdate()
    backwards = {"start": today.isoformat(), "end": (today - timedelta(days=1)).isoformat()}
    response = client.get("/api/v1/reports/sales.xlsx", backwards)
    assert response.status_code == 400 and "period" in response.json()
    too_long = {"start": "2024-01-01", "end": "2025-06-01"}
    assert client.get("/api/v1/reports/sales.pdf", too_long).status_code == 400
    assert client.get("/api/v1/reports/sales.pdf", {"start": "yesterday"}).status_code == 400


@pytest.mark.django_db
def test_every_report_renders_in_every_format_for_an_empty_period(users):
    """Given a period with nothing in it, each report still renders: empty tables, no totals."""
    start = timezone.localdate() - timedelta(days=400)
    for key in reports.REPORTS:
        report = reports.build_report(
            key, actor=users[Role.SUPER_ADMIN], start=start, end=start + timedelta(days=7)
        )
        wb = load_workbook(io.BytesIO(exports.workbook(report)))
        assert len(wb.sheetnames) == len(report.sections)
        text = PdfReader(io.BytesIO(exports.pdf(report))).pages[0].extract_text()
        assert str(report.title) in text
        if key != "statements":
            assert "Nothing in this period." in text


def test_report_cells_are_written_as_the_readers_language_writes_them():
    from django.utils import translation

    from analytics.reports import Column

    money, count = Column("Amount", "money"), Column("Sales", "int")
    when = Column("Sold at", "datetime")
    at = timezone.make_aware(datetime(2026, 11, 3, 9, 5))
    with translation.override("fr"):
        cells = exports._cells([Decimal("1349.75"), 12500, at], [money, count, when])
        assert [c["text"] for c in cells] == ["1\u202f350", "12\u202f500", "3 Nov 2026, 09:05"]
    with translation.override("sw"):
        cells = exports._cells([Decimal("1349.75"), 12500, at], [money, count, when])
        assert [c["text"] for c in cells][:2] == ["1,350", "12,500"]
        assert cells[2]["text"] == "3 Nov 2026, 09:05"
