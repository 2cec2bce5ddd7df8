"""Issue 23: values look the same on every screen (erp.core.formats): money "176,120",
"26 Nov 2026, 11:01" in the site's time zone, people by full name, Yes/No, "6 min", no UUIDs
or idempotency keys on detail pages, CSV times in local time."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pandas as pd
import pytest
from django.utils import timezone, translation

from erp.accounts.roles import Role
from erp.clients.models import Client
from erp.core import formats
from erp.core.money import format_money
from erp.core.spreadsheet import text_frame
from erp.finance import services as finance
from erp.vouchers import services as vouchers
from tests.workday import sell_at, stock_batch

# 08:01 UTC is 11:01 in Dar es Salaam (the installation's TIME_ZONE, UTC+3)
SOLD = dt.datetime(2026, 11, 26, 8, 1, tzinfo=dt.UTC)


def _cells(html: str, label: str) -> list[str]:
    """The text of the list cells under the column headed ``label``."""
    cells = re.findall(rf'<td[^>]*data-label="{re.escape(label)}"[^>]*>(.*?)</td>', html, re.S)
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in cells]


def test_the_format_functions():
    assert formats.money(Decimal("176120")) == "176,120"
    assert formats.money(Decimal("176120"), currency=True) == "TSh\u00a0176,120"
    assert formats.date_time(SOLD) == "26 Nov 2026, 11:01"
    assert formats.date(dt.date(2026, 11, 26)) == "26 Nov 2026"
    assert formats.duration(360) == "6 min"
    assert formats.duration(dt.timedelta(hours=2)) == "2 h"
    assert (formats.yes_no(True), formats.yes_no(False)) == ("Yes", "No")
    assert formats.display(12345) == "12,345"
    with translation.override("fr"):
        assert formats.money(Decimal("176120.4")) == "176\u202f120"
    with pytest.raises(TypeError):
        formats.money(1.5)


@pytest.mark.parametrize(
    "currency,language,amount,shown",
    [
        ("TZS", "en", "1000", "TSh\u00a01,000"),
        ("TZS", "sw", "1000", "TSh\u00a01,000"),
        ("TZS", "fr", "1000", "1\u202f000\u00a0TSh"),
        ("TZS", "en", "999.50", "TSh\u00a01,000"),  # shillings: rounded half up, no cents
        ("XOF", "fr", "1000", "1\u202f000\u00a0FCFA"),
        ("XOF", "en", "250000", "FCFA\u00a0250,000"),
        ("EUR", "fr", "1234.5", "1\u202f234,50\u00a0EUR"),  # not listed: ISO code, cents
    ],
)
def test_money_is_written_as_people_write_the_currency(settings, currency, language, amount, shown):
    settings.CURRENCY = currency
    with translation.override(language):
        assert formats.money(Decimal(amount), currency=True) == shown
        assert format_money(Decimal(amount)) == shown
    assert formats.money(Decimal("-1500"), currency="XOF") == "FCFA\u00a0-1,500"


def test_csv_times_are_local():
    frame = pd.DataFrame({"at": pd.to_datetime([SOLD], utc=True), "name": ["=cmd"]})
    csv = text_frame(frame).to_csv(index=False)
    assert "2026-11-26 11:01:00" in csv and "+00:00" not in csv
    assert "'=cmd" in csv


@pytest.fixture
def sale(users, make_user, make_site, make_router, admin_user):
    agent = make_user(Role.AGENT, "baraka", first_name="Baraka", last_name="Mushi")
    site = make_site(name="Kariakoo", agents=[agent])
    package = vouchers.save_package(
        actor=admin_user,
        name="Big",
        price=Decimal("176120"),
        validity_seconds=360,
        sites=[site],
    )
    stock_batch(package=package, router=make_router(site=site), quantity=1, agent=agent)
    return sell_at(agent, package=package, at=SOLD, site=site)


@pytest.mark.django_db
def test_sales_list_and_detail(client, admin_user, sale):
    client.force_login(admin_user)
    html = client.get("/finance/sale/").content.decode()
    assert _cells(html, "Amount paid (TZS)") == ["176,120"]
    assert _cells(html, "Sold at") == ["26 Nov 2026, 11:01"]
    assert _cells(html, "Seller") == ["Baraka Mushi"]
    assert "176,120.00" not in html and "176120.00" not in html and "a.m." not in html

    detail = client.get(f"/finance/sale/{sale.pk}/detail/").content.decode()
    assert "176,120" in detail and "26 Nov 2026, 11:01" in detail
    assert str(sale.idempotency_key) not in detail
    assert "Idempotency" not in detail


@pytest.mark.django_db
def test_package_detail_shows_durations(client, admin_user, sale):
    client.force_login(admin_user)
    detail = client.get(f"/vouchers/package/{sale.package_id}/detail/").content.decode()
    assert "6 min" in detail
    assert ">360<" not in detail


@pytest.mark.django_db
def test_expense_detail(client, users, make_site):
    finance_user = users[Role.FINANCE]
    finance_user.first_name, finance_user.last_name = "Neema", "Kato"
    finance_user.save()
    expense = finance.record_expense(
        actor=finance_user,
        category="rent",
        site=make_site(name="Kariakoo"),
        amount=Decimal("176120"),
        spent_on=dt.date(2026, 11, 20),
        payee="Landlord",
    )
    client.force_login(finance_user)
    detail = client.get(f"/finance/expense/{expense.pk}/detail/").content.decode()
    assert "Amount (TZS)" in detail and "176,120" in detail
    assert "20 Nov 2026" in detail
    assert "Neema Kato" in detail
    assert "176120.00" not in detail and "True" not in detail and "False" not in detail
    listed = client.get("/finance/expense/").content.decode()
    assert _cells(listed, "Amount (TZS)") == ["176,120"]
    assert _cells(listed, "Recorded by") == ["Neema Kato"]


@pytest.mark.django_db
def test_client_list(client, admin_user, make_client, make_user, make_site):
    agent = make_user(Role.AGENT, "juma", first_name="Juma", last_name="Ali")
    site = make_site(name="Mwenge", agents=[agent])
    made = make_client(site=site, name="Asha", agent=agent)
    Client.objects.filter(pk=made.pk).update(expires_at=SOLD, created_at=SOLD)
    client.force_login(admin_user)
    html = client.get("/customers/client/").content.decode()
    assert _cells(html, "Access expires") == ["26 Nov 2026, 11:01"]
    assert _cells(html, "Agent") == ["Juma Ali"]
    assert _cells(html, "Created at") == ["26 Nov 2026, 11:01"]
    assert "a.m." not in html


@pytest.mark.django_db
def test_users_list_says_yes_and_no(client, admin_user, make_user):
    make_user(Role.AGENT, "gone", is_active=False)
    client.force_login(admin_user)
    html = client.get("/people/user/").content.decode()
    active = _cells(html, "Active")
    assert "Yes" in active and "No" in active
    assert timezone.is_aware(SOLD)


def test_charts_group_numbers_and_place_the_currency_as_the_page_does(settings):
    import plotly.graph_objects as go

    from dashboards.components import money_value, style

    settings.CURRENCY = "TZS"
    with translation.override("fr"):
        fig = style(go.Figure())
        assert fig.layout.separators == ",\u202f"  # 1 000,5
        assert fig.layout.yaxis.ticksuffix == "\u00a0TSh" and not fig.layout.yaxis.tickprefix
        assert money_value("x") == "%{x:,.0f}\u00a0TSh"
    with translation.override("sw"):
        fig = style(go.Figure(), money_axis="x")
        assert fig.layout.separators == ".,"
        assert fig.layout.xaxis.tickprefix == "TSh\u00a0"
        assert money_value("x") == "TSh\u00a0%{x:,.0f}"
