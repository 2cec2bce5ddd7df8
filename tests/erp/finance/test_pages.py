"""The Finance pages: reports on screen and as files, sales with refunds, remittances,
expenses with approval, commission rules and scheduled exports, each as its role may."""

from __future__ import annotations

import io
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django_celery_beat.models import PeriodicTask
from openpyxl import load_workbook

from erp.accounts.roles import Role
from erp.finance.models import Expense, ExportRun, ScheduledExport
from erp.sales import services as sales
from erp.sales.models import CommissionRule, Refund, Remittance


def _login(client, user):
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_statements_on_screen_highlight_who_owes_and_download_as_excel(client, users, sold):
    _login(client, users[Role.FINANCE])
    today = timezone.localdate()
    params = {"report": "statements", "start": today.isoformat(), "last": today.isoformat()}
    page = client.get("/finance/reports/", params)
    html = page.content.decode()
    assert page.status_code == 200
    assert 'class="erp-owes"' in html and users[Role.AGENT].username in html
    assert "1,800" in html  # 2 × 1000 sold − 10 % commission, nothing remitted
    xlsx = client.get("/finance/reports/", {**params, "format": "xlsx"})
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = list(load_workbook(io.BytesIO(xlsx.content))["Statements"].values)
    assert any(r[8] == users[Role.AGENT].username and r[1] == 1800 for r in rows)


@pytest.mark.django_db
def test_an_agent_cannot_open_finance_only_reports(client, users, sold):
    _login(client, users[Role.AGENT])
    today = timezone.localdate().isoformat()
    page = client.get("/finance/reports/", {"report": "profit", "start": today, "last": today})
    assert page.status_code == 200
    assert "Select a valid choice" in page.content.decode()
    assert "Profit per site" not in page.content.decode()
    assert 'value="profit"' not in page.content.decode()
    for url in ("/finance/expense/", "/finance/scheduledexport/", "/finance/commissionrule/"):
        assert client.get(url).status_code == 403, url


@pytest.mark.django_db
def test_refund_from_the_sale_page(client, users, sold):
    sale = sold[0]
    _login(client, users[Role.SALES])
    assert client.post(f"/finance/sale/{sale.pk}/refund/", {"reason": "x"}).status_code == 403
    _login(client, users[Role.FINANCE])
    detail = client.get(f"/finance/sale/{sale.pk}/detail/")
    assert "Refund this sale" in detail.content.decode()
    empty = client.post(f"/finance/sale/{sale.pk}/refund/", {"reason": "  "}, follow=True)
    assert "Say why the sale is refunded." in empty.content.decode()
    assert not Refund.objects.exists()
    client.post(f"/finance/sale/{sale.pk}/refund/", {"reason": "no signal"})
    refund = Refund.objects.get(sale=sale)
    assert refund.commission_reversed == Decimal("100.00")
    page = client.get(f"/finance/sale/{sale.pk}/detail/").content.decode()
    assert "no signal" in page and "Refund this sale" not in page


@pytest.mark.django_db
def test_an_agent_sees_only_own_sales_pages(client, users, sold, make_user, two_sites):
    other = make_user(Role.AGENT)
    _login(client, other)
    assert client.get(f"/finance/sale/{sold[0].pk}/detail/").status_code == 404
    listing = client.get("/finance/sale/").content.decode()
    assert sold[0].voucher.code not in listing


@pytest.mark.django_db
def test_remittance_over_the_balance_needs_the_confirmation_box(client, users, sold):
    agent = users[Role.AGENT]
    _login(client, users[Role.FINANCE])
    form = {"agent": agent.pk, "amount": "5000", "method": "cash", "reference": "", "note": ""}
    refused = client.post("/finance/remittance/add/", form)
    assert refused.status_code == 200 and "owes 1800.00" in refused.content.decode()
    assert not Remittance.objects.exists()
    client.post("/finance/remittance/add/", {**form, "confirm_over": "on"})
    assert Remittance.objects.get().amount == Decimal("5000.00")
    assert sales.agent_balance(agent) == Decimal("-3200.00")


@pytest.mark.django_db
def test_expense_with_receipt_waits_for_a_second_person(
    client, users, make_user, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    settings.EXPENSE_APPROVAL_THRESHOLD = 1000
    first, second = users[Role.FINANCE], make_user(Role.FINANCE)
    _login(client, first)
    receipt = SimpleUploadedFile("fuel.pdf", b"%PDF-1.4 fuel", content_type="application/pdf")
    client.post(
        "/finance/expense/add/",
        {
            "category": "power",
            "site": "",
            "amount": "25000",
            "spent_on": timezone.localdate().isoformat(),
            "payee": "Generator fuel",
            "note": "",
            "receipt": receipt,
        },
    )
    expense = Expense.objects.get()
    assert expense.status == "pending" and expense.receipt.name.endswith(".pdf")
    assert (
        'id="expense-decision"'
        not in client.get(f"/finance/expense/{expense.pk}/detail/").content.decode()
    )  # not the recorder's to approve
    _login(client, second)
    assert (
        'id="expense-decision"'
        in client.get(f"/finance/expense/{expense.pk}/detail/").content.decode()
    )
    client.post(f"/finance/expense/{expense.pk}/decide/", {"decision": "approve"})
    expense.refresh_from_db()
    assert expense.status == "approved" and expense.decided_by == second


@pytest.mark.django_db
def test_commission_rule_page_refuses_both_percent_and_fixed(client, users, two_sites):
    _login(client, users[Role.SUPER_ADMIN])
    before = CommissionRule.objects.count()
    both = {"percent": "5", "fixed": "50", "is_active": "on"}
    page = client.post("/finance/commissionrule/add/", both)
    assert "either a percent or a fixed amount" in page.content.decode()
    assert CommissionRule.objects.count() == before
    site_and_agent = {
        "percent": "5",
        "site": two_sites["sites"][0].pk,
        "agent": users[Role.AGENT].pk,
        "is_active": "on",
    }
    assert (
        "A site rule"
        in client.post("/finance/commissionrule/add/", site_and_agent).content.decode()
    )
    client.post(
        "/finance/commissionrule/add/",
        {"agent": users[Role.AGENT].pk, "fixed": "75", "is_active": "on"},
    )
    rule = CommissionRule.objects.get(agent=users[Role.AGENT])
    assert rule.fixed == Decimal("75.00")
    sale, _ = sales.sell(
        seller=users[Role.AGENT],
        idempotency_key=uuid.uuid4(),
        payment_method="cash",
        package=two_sites["packages"][0],
    )
    assert sale.commission == Decimal("75.00")  # the agent's own rule beats the default


@pytest.mark.django_db
def test_schedule_an_export_run_it_now_and_download_the_run(
    client, users, smtp_server, settings, tmp_path, eager_celery, sold
):
    settings.MEDIA_ROOT = tmp_path
    _login(client, users[Role.FINANCE])
    client.post(
        "/finance/scheduledexport/add/",
        {
            "report": "sales",
            "frequency": "daily",
            "format": "xlsx",
            "recipients": "owner@example.com",
            "is_active": "on",
        },
    )
    schedule = ScheduledExport.objects.get()
    assert PeriodicTask.objects.filter(pk=schedule.periodic_task_id, enabled=True).exists()
    with pytest.MonkeyPatch.context() as patch:
        from django.db import transaction

        patch.setattr(transaction, "on_commit", lambda func, *a, **k: func())
        client.post(f"/finance/scheduledexport/{schedule.pk}/run/")
    run = ExportRun.objects.get(schedule=schedule)
    assert run.status == "sent" and len(smtp_server.messages) == 1
    yesterday = timezone.localdate() - timedelta(days=1)
    assert run.period_start == yesterday
    page = client.get(f"/finance/scheduledexport/{schedule.pk}/detail/").content.decode()
    assert f'data-run="{run.pk}"' in page and "Download" in page
    download = client.get(f"/finance/scheduledexport/runs/{run.pk}/download/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content)[:2] == b"PK"  # a zip: the .xlsx
    _login(client, users[Role.AGENT])
    assert client.get(f"/finance/scheduledexport/runs/{run.pk}/download/").status_code == 403


@pytest.mark.django_db
def test_every_finance_page_opens_for_super_admin(client, users, sold):
    _login(client, users[Role.SUPER_ADMIN])
    for url in (
        "/finance/reports/",
        "/finance/sale/",
        f"/finance/sale/{sold[0].pk}/detail/",
        "/finance/remittance/",
        "/finance/remittance/add/",
        "/finance/expense/",
        "/finance/expense/add/",
        "/finance/commissionrule/",
        "/finance/commissionrule/add/",
        "/finance/scheduledexport/",
        "/finance/scheduledexport/add/",
    ):
        assert client.get(url).status_code == 200, url


@pytest.mark.django_db
def test_client_page_and_api_show_purchases_and_current_access(client, api, users, two_sites):
    agent = users[Role.AGENT]
    buyer = sales.client_for_sale(
        seller=agent, phone="+255754000111", name="Asha", package=two_sites["packages"][0]
    )
    bought = [
        sales.sell(
            seller=agent,
            idempotency_key=uuid.uuid4(),
            payment_method="cash",
            package=two_sites["packages"][0],
            client=buyer,
        )[0]
        for _ in range(2)
    ]
    sales.refund_sale(actor=users[Role.FINANCE], sale=bought[0], reason="wrong package")
    buyer.refresh_from_db()
    assert buyer.expires_at >= bought[1].sold_at + timedelta(days=1) - timedelta(seconds=1)
    _login(client, agent)
    page = client.get(f"/customers/client/{buyer.pk}/detail/").content.decode()
    assert page.count("data-sale=") == 2 and "refunded" in page and "Active" in page
    rows = api(agent).get(f"/api/v1/clients/{buyer.pk}/purchases/").json()["results"]
    assert {r["id"] for r in rows} == {str(s.pk) for s in bought}
