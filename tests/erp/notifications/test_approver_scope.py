"""Approvers are told only of work at the sites they see (issue 23: per-site scope for
approvers): a Finance officer narrowed to Arusha hears of Arusha's expenses and batches, not
of Dar es Salaam's; an unscoped one and the Super Admin hear of both; a head-office expense
(no site) reaches every approver."""

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
def test_approvers_hear_only_of_their_sites(users, make_user, make_site):
    dar, arusha = make_site(name="Kariakoo", code="DAR-KKO"), make_site(name="Clock", code="ARU")
    arusha_finance = make_user(Role.FINANCE, username="arusha_finance")
    arusha_finance.site_scope.add(arusha)
    everywhere = users[Role.FINANCE]
    boss = users[Role.SUPER_ADMIN]
    boss.site_scope.add(arusha)  # a Super Admin sees every site whatever the scope says

    yesterday = timezone.localdate() - dt.timedelta(days=1)
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
    boss_texts = " | ".join(_told(boss))
    assert "Landlord Arusha" in boss_texts and "Landlord Dar" in boss_texts

    # the rule itself: per site, and no site means every holder
    assert arusha_finance not in holders_of("finance.change_expense", site=dar)
    assert arusha_finance in holders_of("finance.change_expense", site=arusha)
    assert everywhere in holders_of("finance.change_expense", site=dar)
    assert arusha_finance in holders_of("finance.change_expense")
