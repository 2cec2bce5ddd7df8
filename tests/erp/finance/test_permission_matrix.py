"""Every money endpoint × every role: an allowed call works, a refused one is a 403 (or a 404
for another agent's record) and changes nothing; an agent reaches only the agent's own data."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from analytics import services as reporting
from erp.accounts.roles import Role
from erp.finance import services as finance
from erp.finance.models import Expense, ExportRun, ScheduledExport
from erp.sales import services as sales
from erp.sales.models import CommissionRule, Refund, Remittance, Sale
from erp.vouchers import services as vouchers
from tests.conftest import put_on_router
from tests.erp.accounts.test_roles import EXPECTED, FINANCE_APP, SALES


def granted(role: str) -> set[str]:
    perms = set(EXPECTED[role]) | SALES.get(role, set())
    if role in (Role.SUPER_ADMIN, Role.FINANCE):
        perms |= FINANCE_APP
    return perms


@pytest.fixture
def world(two_sites, users, make_user, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    agent, other = users[Role.AGENT], make_user(Role.AGENT)
    site = two_sites["sites"][0]
    site.agents.add(other)
    package = two_sites["packages"][0]
    office = vouchers.request_batch(
        actor=None, package=package, router=site.routers.first(), quantity=5, preapproved=True
    )
    vouchers.generate_batch(office)
    put_on_router(office)
    # office stock (no agent) for the desk roles' sales
    own = sales.sell(
        seller=agent, idempotency_key=uuid.uuid4(), payment_method="cash", package=package
    )[0]
    theirs = sales.sell(
        seller=users[Role.SUPER_ADMIN],
        idempotency_key=uuid.uuid4(),
        payment_method="cash",
        package=package,
    )[0]
    sales.record_remittance(
        actor=users[Role.FINANCE], agent=agent, amount=Decimal("100"), method="cash"
    )
    sales.record_remittance(
        actor=users[Role.FINANCE],
        agent=other,
        amount=Decimal("1"),
        method="cash",
        confirm_over=True,
    )
    expense = finance.record_expense(
        actor=users[Role.FINANCE],
        category="rent",
        site=site,
        amount=Decimal("10"),
        spent_on=timezone.localdate(),
        payee="Landlord",
    )
    schedule = reporting.save_schedule(
        actor=users[Role.FINANCE],
        report="sales",
        frequency="daily",
        format="xlsx",
        recipients="a@example.com",
    )
    return {
        "agent": agent,
        "other": other,
        "own_sale": own,
        "office_sale": theirs,
        "package": package,
        "expense": expense,
        "schedule": schedule,
        "rule": CommissionRule.objects.get(),
    }


def _counts():
    return (
        Sale.objects.count(),
        Refund.objects.count(),
        Remittance.objects.count(),
        Expense.objects.count(),
        CommissionRule.objects.count(),
        ScheduledExport.objects.count(),
        ExportRun.objects.count(),
    )


def _period():
    today = timezone.localdate()
    return {"start": today.isoformat(), "end": (today + timedelta(days=1)).isoformat()}


# (name, method, path, body, permission needed, status when allowed)
def _cases(w):
    return [
        ("list sales", "get", "/api/v1/sales/", None, "sales.view_sale", 200),
        (
            "sell",
            "post",
            "/api/v1/sales/",
            {"package": str(w["package"].pk), "payment_method": "cash"},
            "sales.add_sale",
            201,
        ),
        (
            "refund",
            "post",
            f"/api/v1/sales/{w['own_sale'].pk}/refund/",
            {"reason": "test"},
            "sales.add_refund",
            201,
        ),
        ("list remittances", "get", "/api/v1/remittances/", None, "sales.view_remittance", 200),
        (
            "remit",
            "post",
            "/api/v1/remittances/",
            {"agent": str(w["agent"].pk), "amount": "1.00", "method": "cash", "confirm_over": True},
            "sales.add_remittance",
            201,
        ),
        (
            "statement",
            "get",
            f"/api/v1/statements/{w['agent'].pk}/",
            None,
            "sales.view_remittance",
            200,
        ),
        (
            "daily",
            "get",
            "/api/v1/reports/daily/?day=" + timezone.localdate().isoformat(),
            None,
            "sales.view_sale",
            200,
        ),
        ("sales report", "get", "/api/v1/reports/sales.json", _period(), "sales.view_sale", 200),
        (
            "profit report",
            "get",
            "/api/v1/reports/profit.json",
            _period(),
            "finance.view_expense",
            200,
        ),
        (
            "expenses report",
            "get",
            "/api/v1/reports/expenses.xlsx",
            _period(),
            "finance.view_expense",
            200,
        ),
        (
            "remittances report",
            "get",
            "/api/v1/reports/remittances.json",
            _period(),
            "sales.view_remittance",
            200,
        ),
        ("list expenses", "get", "/api/v1/expenses/", None, "finance.view_expense", 200),
        (
            "record expense",
            "post",
            "/api/v1/expenses/",
            {
                "category": "other",
                "amount": "5.00",
                "spent_on": timezone.localdate().isoformat(),
                "payee": "X",
            },
            "finance.add_expense",
            201,
        ),
        ("list rules", "get", "/api/v1/commission-rules/", None, "sales.view_commissionrule", 200),
        (
            "add rule",
            "post",
            "/api/v1/commission-rules/",
            {"package": str(w["package"].pk), "percent": "7.5"},
            "sales.add_commissionrule",
            201,
        ),
        (
            "change rule",
            "patch",
            f"/api/v1/commission-rules/{w['rule'].pk}/",
            {"percent": "12"},
            "sales.change_commissionrule",
            200,
        ),
        (
            "list schedules",
            "get",
            "/api/v1/scheduled-exports/",
            None,
            "finance.view_scheduledexport",
            200,
        ),
        (
            "add schedule",
            "post",
            "/api/v1/scheduled-exports/",
            {
                "report": "sales",
                "frequency": "weekly",
                "format": "pdf",
                "recipients": "b@example.com",
            },
            "finance.add_scheduledexport",
            201,
        ),
        ("list runs", "get", "/api/v1/export-runs/", None, "finance.view_exportrun", 200),
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("role", Role.values)
def test_money_endpoint_matrix(role, users, world, api):
    """One world per role, every endpoint in turn (each call sees the effects of the earlier
    ones, which is what a real session does)."""
    client = api(users[role])
    for name, method, path, body, perm, ok_status in _cases(world):
        before = _counts()
        headers = {"HTTP_IDEMPOTENCY_KEY": str(uuid.uuid4())} if name == "sell" else {}
        if method == "get":
            response = client.get(path, body or {})
        else:
            response = getattr(client, method)(path, body, format="json", **headers)
        allowed = perm in granted(role) or (name == "statement" and role == Role.AGENT)
        if not allowed:
            assert response.status_code in (403, 404), (role, name, response.content)
            assert _counts() == before, (role, name)
        else:
            assert response.status_code == ok_status, (role, name, response.content)


@pytest.mark.django_db
def test_an_agent_reaches_only_the_agents_own_money(users, world, api):
    agent, other = world["agent"], world["other"]
    client = api(agent)
    sale_ids = {row["id"] for row in client.get("/api/v1/sales/").json()["results"]}
    assert sale_ids == {str(world["own_sale"].pk)}
    assert client.get(f"/api/v1/sales/{world['office_sale'].pk}/").status_code == 404
    remitted = client.get("/api/v1/remittances/").json()["results"]
    assert {row["agent"] for row in remitted} == {str(agent.pk)}
    assert client.get(f"/api/v1/statements/{other.pk}/").status_code == 404
    report = client.get("/api/v1/reports/remittances.json", _period()).json()
    assert [row[1] for row in report["sections"][0]["rows"]] == [agent.username]
    # refused writes changed nothing
    before = _counts()
    assert (
        client.post(f"/api/v1/sales/{world['own_sale'].pk}/refund/", {"reason": "x"}).status_code
        == 403
    )
    assert (
        client.post(
            "/api/v1/remittances/", {"agent": str(agent.pk), "amount": "1", "method": "cash"}
        ).status_code
        == 403
    )
    assert _counts() == before


@pytest.mark.django_db
def test_export_run_download_over_the_api(users, world, api, smtp_server):
    run = reporting.run_schedule(schedule_id=world["schedule"].pk)
    listing = api(users[Role.FINANCE]).get("/api/v1/export-runs/").json()["results"]
    (row,) = listing
    assert row["status"] == "sent" and row["download"].endswith(f"/{run.pk}/download/")
    response = api(users[Role.FINANCE]).get(row["download"])
    assert response.status_code == 200
    assert b"".join(response.streaming_content)[:2] == b"PK"
    assert api(users[Role.AGENT]).get(row["download"]).status_code == 403
