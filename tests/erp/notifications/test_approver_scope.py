"""Approvers are told only of work at the sites they see (issue 23: per-site scope for
approvers): a Finance officer narrowed to Arusha hears of Arusha's expenses and batches, not
of Dar es Salaam's; an unscoped one hears of both; a head-office expense (no site) reaches every
approver. The Super Admin, who may approve everything, is told only of an expense nobody else
may approve (issue 23: "notify only who must act"), and every telling goes through the
``finance.expense_waiting`` event, after the commit."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from erp.accounts.roles import Role
from erp.finance import services as finance
from erp.notifications.models import Notification
from erp.notifications.services import holders_of


def _told(user) -> list[str]:
    return list(Notification.objects.filter(user=user).values_list("text", flat=True))


@pytest.mark.django_db
def test_approvers_hear_only_of_their_sites(
    users, make_user, make_site, django_capture_on_commit_callbacks
):
    dar, arusha = make_site(name="Kariakoo", code="DAR-KKO"), make_site(name="Clock", code="ARU")
    arusha_finance = make_user(Role.FINANCE, username="arusha_finance")
    arusha_finance.site_scope.add(arusha)
    everywhere = users[Role.FINANCE]
    boss = users[Role.SUPER_ADMIN]
    boss.site_scope.add(arusha)  # a Super Admin sees every site whatever the scope says

    yesterday = timezone.localdate() - dt.timedelta(days=1)
    with django_capture_on_commit_callbacks(execute=True):
        for recorder, site, payee in (
            (everywhere, dar, "Landlord Dar"),
            (everywhere, arusha, "Landlord Arusha"),
            (boss, None, "Auditor"),
        ):
            finance.record_expense(
                actor=recorder,
                category="rent",
                site=site,
                amount=Decimal("250000"),
                spent_on=yesterday,
                payee=payee,
            )

    arusha_texts = " | ".join(_told(arusha_finance))
    assert "Landlord Arusha" in arusha_texts and "Landlord Dar" not in arusha_texts
    assert "Auditor" in arusha_texts  # head office: every approver
    assert "Auditor" in " | ".join(_told(everywhere))
    # Arusha's expense has an approver besides its recorder (Arusha's officer): the Super Admin
    # is not told of it; Dar's has none but the Super Admin (its recorder may not): told.
    boss_texts = " | ".join(_told(boss))
    assert "Landlord Arusha" not in boss_texts and "Landlord Dar" in boss_texts
    assert "Auditor" not in boss_texts  # never of their own

    # the rule itself: per site, and no site means every holder
    assert arusha_finance not in holders_of("finance.change_expense", site=dar)
    assert arusha_finance in holders_of("finance.change_expense", site=arusha)
    assert everywhere in holders_of("finance.change_expense", site=dar)
    assert arusha_finance in holders_of("finance.change_expense")


@pytest.mark.django_db
def test_the_super_admin_hears_only_of_what_nobody_else_may_approve(
    users, make_user, make_site, django_capture_on_commit_callbacks
):
    """Four eyes: the only Finance officer records an expense; nobody but the Super Admin may
    approve it, so the Super Admin is told. The announcement is a durable event; an expense
    decided before its delivery runs tells nobody."""
    from erp.core.models import EventDelivery

    boss, only_finance = users[Role.SUPER_ADMIN], users[Role.FINANCE]
    site = make_site(name="Mwenge", code="MWG")
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    with django_capture_on_commit_callbacks(execute=True):
        expense = finance.record_expense(
            actor=only_finance,
            category="equipment",
            site=site,
            amount=Decimal("900000"),
            spent_on=yesterday,
            payee="Tz Networks Ltd",
        )
    [note] = Notification.objects.filter(user=boss)
    assert "Tz Networks Ltd" in note.text and note.url == f"/finance/expense/{expense.pk}/detail/"
    assert _told(only_finance) == []  # never the recorder
    assert EventDelivery.objects.filter(
        event="finance.expense_waiting", key=str(expense.pk), delivered_at__isnull=False
    ).exists()

    # Recorded, then decided before the delivery ran: nobody is told of a decided expense
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        other = finance.record_expense(
            actor=only_finance,
            category="rent",
            site=site,
            amount=Decimal("300000"),
            spent_on=yesterday,
            payee="Landlord Mwenge",
        )
    assert Notification.objects.filter(text__contains="Landlord Mwenge").count() == 0
    finance.decide_expense(actor=boss, expense=other, approve=False)
    for callback in callbacks:
        callback()
    assert Notification.objects.filter(text__contains="Landlord Mwenge").count() == 0
