"""Work done without a request (notifications, their e-mails) reads in the language of the
person it is for, not the language of whoever triggered it. Report files: tests/erp/finance/
test_report_language.py."""

from __future__ import annotations

import pytest
from django.core import mail
from django.utils import translation

from erp.accounts.roles import Role
from erp.notifications.models import Notification
from erp.notifications.services import notify

pytestmark = pytest.mark.django_db


def _swahili(user):
    user.language = "sw"
    user.save(update_fields=["language"])
    return user


def test_one_notification_reads_in_each_readers_language(users):
    swahili = _swahili(users[Role.TECHNICAL])
    english = users[Role.SALES]
    english.language = "en"
    swahili.email, english.email = "fundi@example.com", "manager@example.com"
    english.save(update_fields=["language", "email"])
    swahili.save(update_fields=["email"])
    with translation.override("fr"):  # whoever triggered it reads French
        notify(
            users=[swahili, english],
            text=lambda: translation.gettext("Vouchers"),
            email_subject=lambda: translation.gettext("Sales"),
        )
    texts = dict(Notification.objects.values_list("user__username", "text"))
    with translation.override("sw"):
        assert texts[swahili.username] == translation.gettext("Vouchers") != "Vouchers"
    assert texts[english.username] == "Vouchers"
    subjects = {m.to[0]: m.subject for m in mail.outbox}
    with translation.override("sw"):
        assert translation.gettext("Sales") in subjects["fundi@example.com"]  # "Mauzo"
    assert "Sales" in subjects["manager@example.com"]
    assert "Sales" not in subjects["fundi@example.com"]
