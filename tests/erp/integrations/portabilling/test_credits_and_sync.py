"""Online payments credit the voucher's account at most once, whatever PortaBilling answers;
the sync reads accounts back, lists what differs, and the repair fixes what it may."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from django.db import transaction
from django.test import TestCase

from erp.core import events
from erp.integrations.portabilling import services
from erp.integrations.portabilling.choices import CreditState
from erp.integrations.portabilling.models import PortaAccount, PortaCredit
from erp.payments.events import VOUCHER_ISSUED
from erp.vouchers import services as voucher_services
from erp.vouchers.models import Voucher
from tests.workday import stock_batch


@pytest.fixture
def accounts(porta, porta_site):
    batch = stock_batch(package=porta_site.package, router=porta_site.router, quantity=3)
    services.queue_batch(batch.pk)
    services.push_accounts(porta_site.config)
    return list(PortaAccount.objects.select_related("voucher").order_by("pk"))


def _credit(account, amount="500.00") -> PortaCredit:
    payment_id = uuid.uuid4()
    return PortaCredit.objects.create(
        account=account,
        payment_id=payment_id,
        reference=services.credit_reference(payment_id),
        amount=Decimal(amount),
    )


@pytest.mark.django_db
def test_a_credit_applied_then_answered_500_is_credited_exactly_once(porta, accounts):
    """Given PortaBilling applies the payment and then answers 500, when the credit is tried
    again, then it is found on the account by our reference: one payment, one credit."""
    account = accounts[0]
    credit = _credit(account)
    porta.state.fail_after_apply["Account/make_transaction"] = 1
    first = services.apply_credit(credit.pk)
    assert first.state == CreditState.PENDING and "Server.internal_error" in first.last_error
    assert len(porta.state.credits(account.i_account)) == 1  # it did land

    again = services.apply_credit(credit.pk)
    assert again.state == CreditState.APPLIED
    assert "found on the account" in again.last_error
    payments = porta.state.credits(account.i_account)
    assert len(payments) == 1 and payments[0]["transaction_id"] == credit.reference
    assert porta.state.accounts[account.i_account]["balance"] == 1500.0
    assert porta.state.calls.count("Account/make_transaction") == 1
    # and a third call does nothing at all
    calls = len(porta.state.calls)
    services.apply_credit(credit.pk)
    assert len(porta.state.calls) == calls


@pytest.mark.django_db
def test_a_read_back_cut_at_its_limit_is_not_taken_for_not_landed(porta, accounts):
    """Given an account with more usage records than one read returns, when a credit whose
    first answer was lost is tried again, then it is not sent a second time."""
    account = accounts[0]
    porta.state.add_usage(account.i_account, 600)
    credit = _credit(account)
    porta.state.fail_after_apply["Account/make_transaction"] = 1
    services.apply_credit(credit.pk)
    porta.state.add_usage(account.i_account, 10)
    again = services.apply_credit(credit.pk)
    assert again.state == CreditState.PENDING and "cannot tell" in again.last_error
    assert len(porta.state.credits(account.i_account)) == 1
    assert porta.state.calls.count("Account/make_transaction") == 1


@pytest.mark.django_db
def test_a_credit_that_did_not_land_is_sent_again_once(porta, accounts):
    account = accounts[0]
    credit = _credit(account)
    porta.state.fail_before["Account/make_transaction"] = 1
    assert services.apply_credit(credit.pk).state == CreditState.PENDING
    assert porta.state.credits(account.i_account) == []
    assert services.apply_credit(credit.pk).state == CreditState.APPLIED
    assert len(porta.state.credits(account.i_account)) == 1
    assert porta.state.accounts[account.i_account]["balance"] == 1500.0


@pytest.mark.django_db
def test_a_timeout_after_applying_is_not_a_second_credit(porta, porta_site, accounts):
    from erp.integrations.portabilling.models import PortaBillingSite

    PortaBillingSite.objects.filter(pk=porta_site.config.pk).update(timeout_seconds=1)
    account = accounts[1]
    credit = _credit(account)
    porta.state.delay = 1.5  # applied, but the answer comes too late
    assert services.apply_credit(credit.pk).state == CreditState.PENDING
    porta.state.delay = 0
    import time

    time.sleep(1.6)  # the slow request finished on the server
    assert services.apply_credit(credit.pk).state == CreditState.APPLIED
    assert len(porta.state.credits(account.i_account)) == 1


@pytest.mark.django_db
def test_an_online_payment_at_a_portabilling_site_is_recorded_once_and_credited(
    porta, porta_site, accounts, eager_celery
):
    from erp.payments.models import Payment, ProviderAccount

    provider = ProviderAccount.objects.create(name="Wave", provider="wave", currency="TZS")
    voucher = accounts[2].voucher
    payment = Payment.objects.create(
        account=provider,
        site=porta_site.site,
        package=porta_site.package,
        amount=Decimal("1000.00"),
        currency="TZS",
        status="paid",
    )
    for _ in range(2):  # announced twice (a replay): delivered once, credited once
        with TestCase.captureOnCommitCallbacks(execute=True), transaction.atomic():
            events.announce(
                VOUCHER_ISSUED,
                key=str(payment.pk),
                payment_id=str(payment.pk),
                voucher_id=voucher.pk,
                site_id=str(porta_site.site.pk),
                hotspot={},
            )
    credit = PortaCredit.objects.get()
    assert credit.state == CreditState.APPLIED and credit.amount == Decimal("1000.00")
    assert len(porta.state.credits(accounts[2].i_account)) == 1


@pytest.mark.django_db
def test_sync_lists_differences_and_the_repair_fixes_blocks_and_missing_accounts(
    porta, porta_site, accounts, admin_user
):
    config = porta_site.config
    voided, missing, rich = accounts
    voucher_services.void_voucher(actor=admin_user, voucher=voided.voucher, reason="lost")
    services.push_blocks(config)
    porta.state.accounts[voided.i_account]["blocked"] = "N"  # someone unblocked it there
    del porta.state.accounts[missing.i_account]  # someone deleted it there
    porta.state.accounts[rich.i_account]["balance"] = 9000.0  # more than we ever put there

    assert services.sync_site(config) == {"read": 3, "differing": 3, "errors": 0}
    diffs = {a.pk: a.differences for a in PortaAccount.objects.all()}
    assert diffs[voided.pk] == [{"field": "blocked", "ours": "Y", "theirs": "N"}]
    assert diffs[missing.pk] == [
        {"field": "account", "ours": str(missing.i_account), "theirs": "missing"}
    ]
    assert diffs[rich.pk] == [{"field": "balance", "ours": "≤ 1000.00", "theirs": "9000.0"}]
    config.refresh_from_db()
    assert config.last_sync_at is not None and config.last_sync_checked == 3

    assert services.repair_site(actor=admin_user, config=config) == {"blocks": 1, "recreated": 1}
    services.push_accounts(config)
    services.push_blocks(config)
    assert porta.state.accounts[voided.i_account]["blocked"] == "Y"
    recreated = PortaAccount.objects.get(pk=missing.pk)
    assert recreated.state == "created" and recreated.i_account in porta.state.accounts
    assert porta.state.accounts[recreated.i_account]["id"] == missing.voucher.code
    # the money difference stays for a person to look at
    PortaAccount.objects.update(checked_at=None)
    assert services.sync_site(config)["differing"] == 1
    assert PortaAccount.objects.get(pk=rich.pk).differences[0]["field"] == "balance"


@pytest.mark.django_db
def test_sync_reads_only_what_changed_first_and_survives_a_dead_server(porta, porta_site, accounts):
    from tests.ports import free_port

    config = porta_site.config
    services.sync_site(config)
    before = porta.state.calls.count("Account/get_account_info")
    Voucher.objects.filter(pk=accounts[0].voucher_id).update(status="void")
    assert [a.pk for a in services._changed(config)][0] == accounts[0].pk

    config.api_url = f"http://127.0.0.1:{free_port()}"
    result = services.sync_site(config)
    assert result["read"] == 0 and result["errors"] == 3
    config.refresh_from_db()
    assert config.status == "error" and "cannot reach" in config.last_error
    assert porta.state.calls.count("Account/get_account_info") == before


@pytest.mark.django_db
def test_the_beat_job_runs_every_enabled_site(porta, porta_site, accounts, admin_user):
    from erp.core.schedules import JOBS
    from erp.integrations.portabilling.tasks import sync_all

    assert any(j.task == "erp.integrations.portabilling.tasks.sync_all" for j in JOBS)
    voucher_services.void_voucher(actor=admin_user, voucher=accounts[0].voucher, reason="lost")
    assert sync_all() == 1
    assert porta.state.accounts[accounts[0].i_account]["blocked"] == "Y"
    assert PortaAccount.objects.filter(checked_at__isnull=False).count() == 3


@pytest.mark.django_db
def test_the_syncs_error_on_the_settings_reads_in_the_readers_language(porta, porta_site, accounts):
    """Stored by the worker in no one's language, read in Swahili by a Swahili reader (and in
    French by a French one): an English string stored as it was would fail here."""
    from django.utils import translation

    from erp.integrations.portabilling.models import PortaBillingSite
    from tests.ports import free_port

    config = porta_site.config
    api_url = f"http://127.0.0.1:{free_port()}"
    config.api_url = api_url
    services.sync_site(config)
    stored = PortaBillingSite.objects.get(pk=config.pk).last_error
    msgid = "PortaBilling %(method)s: cannot reach %(url)s (%(error)s)"
    params = {"method": "Session/login", "url": api_url, "error": "ConnectionError"}
    for language, words in (("sw", "imeshindwa kufikia"), ("fr", "impossible de joindre")):
        with translation.override(language):
            expected = translation.gettext(msgid) % params
            assert words in expected  # the catalog has it
            assert str(stored) == expected
            assert f"{stored}" == expected
    with translation.override("en"):
        assert str(stored) == msgid % params
