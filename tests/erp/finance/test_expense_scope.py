"""A Finance user with a site scope sees only the expenses of those sites — not another
site's, not head office's — in the API list and detail, the expense pages and the expenses
and profit reports (JSON, Excel, PDF), as on the Finance dashboard."""

from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader

from erp.accounts.roles import Role
from erp.finance import services


@pytest.fixture
def spent(users, make_site, make_user):
    finance = users[Role.FINANCE]
    site_a, site_b = make_site(name="Alpha Market"), make_site(name="Bravo Market")
    today = timezone.localdate()
    made = {}
    for key, site, payee in (
        ("a", site_a, "Payee-Alpha"),
        ("b", site_b, "Payee-Bravo"),
        ("office", None, "Payee-Office"),
    ):
        made[key] = services.record_expense(
            actor=finance,
            category="rent",
            site=site,
            amount=Decimal("100.00"),
            spent_on=today,
            payee=payee,
        )
        assert made[key].status == "approved"
    made["scoped"] = make_user(Role.FINANCE, "fin-alpha", site_scope=[site_a])
    made["sites"] = (site_a, site_b)
    return made


def _period():
    today = timezone.localdate()
    return {"start": today.isoformat(), "end": (today + timedelta(days=1)).isoformat()}


@pytest.mark.django_db
def test_scoped_finance_lists_and_opens_only_their_sites_expenses(api, client, users, spent):
    scoped = api(spent["scoped"])
    listed = scoped.get("/api/v1/expenses/").json()["results"]
    assert [e["payee"] for e in listed] == ["Payee-Alpha"]
    assert scoped.get(f"/api/v1/expenses/{spent['a'].pk}/").status_code == 200
    for other in ("b", "office"):
        assert scoped.get(f"/api/v1/expenses/{spent[other].pk}/").status_code == 404
    b_site = spent["sites"][1].pk
    # another site's filter is refused like a site that does not exist (issue 23)
    hidden = scoped.get("/api/v1/expenses/", {"site": str(b_site)})
    assert hidden.status_code == 400 and list(hidden.json()) == ["site"]

    client.force_login(spent["scoped"])
    page = client.get("/finance/expense/").content.decode()
    assert "Payee-Alpha" in page and "Payee-Bravo" not in page and "Payee-Office" not in page
    assert client.get(f"/finance/expense/{spent['a'].pk}/detail/").status_code == 200
    for other in ("b", "office"):
        assert client.get(f"/finance/expense/{spent[other].pk}/detail/").status_code == 404

    # An unscoped Finance user still sees all three
    everyone = api(users[Role.FINANCE]).get("/api/v1/expenses/").json()["results"]
    assert {e["payee"] for e in everyone} == {"Payee-Alpha", "Payee-Bravo", "Payee-Office"}


@pytest.mark.django_db
def test_scoped_finance_reports_carry_only_their_sites(api, users, spent):
    scoped = api(spent["scoped"])
    site_a, site_b = spent["sites"]
    expenses = scoped.get("/api/v1/reports/expenses.json", _period()).json()
    text = str(expenses)
    assert "Payee-Alpha" in text and "Payee-Bravo" not in text and "Payee-Office" not in text
    by_category = expenses["sections"][0]["rows"]
    assert [row[1:] for row in by_category] == [[1, "100.00"]]

    profit = scoped.get("/api/v1/reports/profit.json", _period()).json()
    text = str(profit)
    assert site_a.name in text and site_b.name not in text and "Head office" not in text
    assert "Payee-Bravo" not in text and "Payee-Office" not in text
    api_profit = scoped.get("/api/v1/reports/profit/", _period()).json()
    assert [r["name"] for r in api_profit["sites"]] == [site_a.name]

    for report in ("expenses", "profit"):
        xlsx = scoped.get(f"/api/v1/reports/{report}.xlsx", _period())
        cells = " ".join(
            str(cell.value)
            for sheet in load_workbook(io.BytesIO(xlsx.content)).worksheets
            for row in sheet.iter_rows()
            for cell in row
        )
        assert "Payee-Alpha" in cells and "Payee-Bravo" not in cells
        assert "Payee-Office" not in cells and site_b.name not in cells
        pdf = scoped.get(f"/api/v1/reports/{report}.pdf", _period())
        words = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
        assert "Payee-Alpha" in words and "Payee-Bravo" not in words
        assert "Payee-Office" not in words and site_b.name not in words

    full = api(users[Role.FINANCE]).get("/api/v1/reports/profit.json", _period()).json()
    assert site_b.name in str(full) and "Head office" in str(full)


@pytest.mark.django_db
def test_scoped_finance_records_expenses_of_their_sites_only(api, spent):
    from erp.finance.models import Expense

    site_a, site_b = spent["sites"]
    scoped = api(spent["scoped"])
    before = Expense.objects.count()
    for site in (site_b.pk, None):
        body = {
            "category": "rent",
            "site": str(site) if site else None,
            "amount": "5.00",
            "spent_on": timezone.localdate().isoformat(),
            "payee": "Sneaky",
        }
        response = scoped.post("/api/v1/expenses/", body, format="json")
        assert response.status_code == 400 and "site" in response.json(), response.content
    assert Expense.objects.count() == before
    body = {**body, "site": str(site_a.pk)}
    assert scoped.post("/api/v1/expenses/", body, format="json").status_code == 201
