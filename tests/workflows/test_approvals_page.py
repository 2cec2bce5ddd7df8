"""/approvals/: everything waiting for the user's approval on one page (issue 23)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from erp.accounts.roles import Role
from erp.finance import services as finance
from workflows.voucher_batch.models import VoucherBatchProcess

from .test_voucher_batch_flow import _start, world  # noqa: F401


@pytest.mark.django_db
def test_finance_sees_the_expenses_and_batches_waiting_and_where_to_decide(
    client,
    users,
    world,  # noqa: F811
):
    sales, finance_user, boss = users[Role.SALES], users[Role.FINANCE], users[Role.SUPER_ADMIN]
    site = world["router"].site
    # Given a batch request from Sales and a large expense the Super Admin recorded
    assert _start(client, sales, world, quantity=20).status_code == 302
    process = VoucherBatchProcess.objects.get()
    expense = finance.record_expense(
        actor=boss,
        category="rent",
        site=site,
        amount=Decimal("250000"),
        spent_on=timezone.localdate() - dt.timedelta(days=1),
        payee="Landlord Kariakoo",
    )
    assert expense.status == "pending"

    # Finance sees both, each linking to the page where it is decided
    client.force_login(finance_user)
    page = client.get("/approvals/").content.decode()
    assert "1 expense waits for approval" in page and "1 voucher batch waits" in page
    assert f"/finance/expense/{expense.pk}/detail/" in page and "Landlord Kariakoo" in page
    assert "250,000" in page and "250,000.00" not in page
    decide = process.task_set.get(flow_task__isnull=False, status="NEW")
    assert f"/batches/{process.pk}/decide/{decide.pk}/" in page
    assert "20 × Week 5M" in page

    # The Super Admin is not asked to approve their own expense, but sees the batch
    client.force_login(boss)
    page = client.get("/approvals/").content.decode()
    assert "0 expenses wait" in page and "Landlord" not in page
    assert "1 voucher batch waits" in page

    # The requester never sees their own batch to approve, and may not open the page
    client.force_login(sales)
    assert client.get("/approvals/").status_code == 403
    client.force_login(users[Role.AGENT])
    assert client.get("/approvals/").status_code == 403
