"""A refusal because of who the actor is answers 403 with its reason (API) or the 403 page
(UI); a refusal because of what was asked stays a 400; neither changes anything."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone

from erp.accounts.roles import Role
from erp.finance import services
from erp.finance.models import Expense


@pytest.fixture
def own_expense(users):
    """A pending expense Finance recorded (above the approval threshold)."""
    return services.record_expense(
        actor=users[Role.FINANCE],
        category="equipment",
        site=None,
        amount=Decimal("900000"),
        spent_on=timezone.localdate(),
        payee="Supplier",
    )


@pytest.mark.django_db
def test_deciding_ones_own_expense_is_403_with_the_reason(api, users, own_expense):
    assert own_expense.status == "pending"
    answer = api(users[Role.FINANCE]).post(
        f"/api/v1/expenses/{own_expense.pk}/decide/", {"approve": True}, format="json"
    )
    assert answer.status_code == 403
    assert "Someone else approves" in answer.json()["detail"]
    assert Expense.objects.get(pk=own_expense.pk).status == "pending"


@pytest.mark.django_db
def test_an_input_refusal_stays_400(api, users, own_expense):
    admin = api(users[Role.SUPER_ADMIN])
    url = f"/api/v1/expenses/{own_expense.pk}/decide/"
    assert admin.post(url, {"approve": True}, format="json").status_code == 200
    again = admin.post(url, {"approve": False}, format="json")
    assert again.status_code == 400
    assert "already decided" in str(again.json())
    assert Expense.objects.get(pk=own_expense.pk).status == "approved"


@pytest.mark.django_db
def test_the_page_shows_the_403_page_with_the_reason(client, users, own_expense):
    client.force_login(users[Role.FINANCE])
    page = client.post(f"/finance/expense/{own_expense.pk}/decide/", {"decision": "approve"})
    assert page.status_code == 403
    assert "Someone else approves" in page.content.decode()
    assert Expense.objects.get(pk=own_expense.pk).status == "pending"
