"""Forms for people (issue 23): amounts say their currency, the expense date starts at today."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.utils import timezone

from erp.accounts.roles import Role
from erp.finance.forms import ExpenseForm
from erp.vouchers.forms import PackageForm


def test_money_fields_say_their_currency_and_the_expense_date_is_today():
    expense = ExpenseForm()
    assert str(expense.fields["amount"].label) == f"Amount ({settings.CURRENCY})"
    assert expense.fields["spent_on"].initial == timezone.localdate()
    assert str(PackageForm().fields["price"].label) == f"Price ({settings.CURRENCY})"
    # a bound form (a correction after an error) keeps what was typed
    assert ExpenseForm(data={"spent_on": "2026-01-02"})["spent_on"].value() == "2026-01-02"


@pytest.mark.django_db
def test_the_expense_page_shows_them(client, users):
    client.force_login(users[Role.FINANCE])
    page = client.get("/finance/expense/add/").content.decode()
    assert f"Amount ({settings.CURRENCY})" in page
    assert f'value="{timezone.localdate():%Y-%m-%d}"' in page
