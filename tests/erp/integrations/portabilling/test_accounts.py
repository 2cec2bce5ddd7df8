"""Vouchers become PortaBilling accounts when their batch is approved at a PortaBilling site;
the push is bounded, parallel and resumable, never makes an account twice, and a void, refund
or expiry blocks the account."""

from __future__ import annotations

import uuid

import pytest
from django.test import TestCase

from erp.accounts.roles import Role
from erp.integrations.portabilling import services
from erp.integrations.portabilling.choices import AccountState, LinkStatus
from erp.integrations.portabilling.models import PortaAccount, PortaBillingSite
from erp.vouchers import services as voucher_services
from erp.vouchers.choices import BatchStatus
from erp.vouchers.models import Voucher, VoucherBatch
from tests.workday import stock_batch


def _stocked(porta_site, quantity=6):
    batch = stock_batch(package=porta_site.package, router=porta_site.router, quantity=quantity)
    assert services.queue_batch(batch.pk) == quantity
    return batch


@pytest.mark.django_db(transaction=True)
def test_an_approved_batch_becomes_accounts_with_product_role_batch_and_price(
    porta, porta_site, users, eager_celery
):
    """Given a site billed through PortaBilling, when a batch is requested, approved, generated
    and pushed to the router, then each voucher is an account there with its i_account kept."""
    from workflows.voucher_batch.services import decide, start_process

    batch = voucher_services.request_batch(
        actor=users[Role.SALES], package=porta_site.package, router=porta_site.router, quantity=5
    )
    start_process(batch)
    decide(actor=users[Role.FINANCE], batch=batch, approve=True)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.READY
    rows = PortaAccount.objects.filter(batch=batch)
    assert rows.count() == 5 and set(rows.values_list("state", flat=True)) == {"created"}
    remote = {a["id"]: a for a in porta.state.accounts.values()}
    for row in rows.select_related("voucher"):
        made = remote[row.voucher.code]
        assert made["i_account"] == row.i_account
        assert (made["i_product"], made["i_account_role"], made["i_customer"]) == (1, 4, 1)
        assert made["batch_name"] == f"viornet-{str(batch.pk)[:8]}"
        assert made["opening_balance"] == 1000.0 and made["blocked"] == "N"
    assert services.batch_progress(batch.pk)["created"] == 5


@pytest.mark.django_db
def test_a_site_without_portabilling_gets_no_accounts(porta_site, sim_router, admin_user):
    router, _sim = sim_router()
    porta_site.package.sites.add(router.site)
    batch = stock_batch(package=porta_site.package, router=router, quantity=3)
    assert services.queue_batch(batch.pk) == 0
    PortaBillingSite.objects.filter(pk=porta_site.config.pk).update(enabled=False)
    other = stock_batch(package=porta_site.package, router=porta_site.router, quantity=3)
    assert services.queue_batch(other.pk) == 0
    assert not PortaAccount.objects.exists()


@pytest.mark.django_db
def test_answers_lost_after_the_create_never_make_a_second_account(porta, porta_site):
    """Given PortaBilling creates two accounts but answers 500, when the push runs again, then
    those two are found by their id and recorded: six accounts there, not eight."""
    batch = _stocked(porta_site)
    porta.state.fail_after_apply["Account/add_account"] = 2
    first = services.push_accounts(porta_site.config)
    assert first == {"created": 4, "refused": 0, "errors": 2}
    assert PortaAccount.objects.filter(state=AccountState.PENDING, attempts=1).count() == 2
    second = services.push_accounts(porta_site.config)
    assert second["created"] == 2
    assert len(porta.state.accounts) == 6
    assert sorted(PortaAccount.objects.values_list("i_account", flat=True)) == sorted(
        porta.state.accounts
    )
    assert not PortaAccount.objects.filter(batch=batch).exclude(state="created").exists()


@pytest.mark.django_db
def test_a_push_stopped_midway_resumes_where_it_stopped(porta, porta_site, monkeypatch):
    monkeypatch.setattr(services, "WINDOW", 4)
    _stocked(porta_site, quantity=10)
    assert services.push_accounts(porta_site.config, limit=4)["created"] == 4
    assert len(porta.state.accounts) == 4
    assert services.push_accounts(porta_site.config)["created"] == 6
    assert len(porta.state.accounts) == 10
    assert porta.state.calls.count("Account/add_account") == 10


@pytest.mark.django_db
def test_a_push_of_many_windows_logs_in_once_per_parallel_request(porta, porta_site, monkeypatch):
    monkeypatch.setattr(services, "WINDOW", 5)
    _stocked(porta_site, quantity=30)  # six windows, four requests at a time
    assert services.push_accounts(porta_site.config)["created"] == 30
    assert porta.state.calls.count("Session/login") <= porta_site.config.parallel


@pytest.mark.django_db
def test_a_server_that_is_down_leaves_the_accounts_waiting_and_says_so(porta, porta_site):
    from tests.ports import free_port

    _stocked(porta_site, quantity=3)
    PortaBillingSite.objects.filter(pk=porta_site.config.pk).update(
        api_url=f"http://127.0.0.1:{free_port()}"
    )
    config = PortaBillingSite.objects.get(pk=porta_site.config.pk)
    assert services.push_accounts(config) == {"created": 0, "refused": 0, "errors": 0}
    config.refresh_from_db()
    assert config.status == LinkStatus.ERROR and "cannot reach" in config.last_error
    assert "porta-Secret" not in config.last_error
    assert PortaAccount.objects.filter(state=AccountState.PENDING).count() == 3
    # back up: the same rows are created, once
    PortaBillingSite.objects.filter(pk=config.pk).update(api_url=porta.url)
    config.refresh_from_db()
    assert services.push_accounts(config)["created"] == 3
    config.refresh_from_db()
    assert config.status == LinkStatus.OK


@pytest.mark.django_db
def test_void_refund_and_expiry_block_the_account(porta, porta_site, users, admin_user):
    from erp.sales import services as sales_services

    _stocked(porta_site, quantity=4)
    services.push_accounts(porta_site.config)
    voided, refunded, expired, kept = Voucher.objects.order_by("code")
    voucher_services.void_voucher(actor=admin_user, voucher=voided, reason="lost card")
    sale, _ = sales_services.sell(
        seller=admin_user,
        idempotency_key=uuid.uuid4(),
        payment_method="cash",
        code=refunded.code,
    )
    sales_services.refund_sale(actor=admin_user, sale=sale, reason="customer left")
    Voucher.objects.filter(pk=expired.pk).update(status="expired")

    assert services.push_blocks(porta_site.config) == {"blocked": 3, "unblocked": 0, "errors": 0}
    by_code = {a["id"]: a["blocked"] for a in porta.state.accounts.values()}
    assert by_code == {voided.code: "Y", refunded.code: "Y", expired.code: "Y", kept.code: "N"}
    # idempotent: nothing more to send
    assert services.push_blocks(porta_site.config)["blocked"] == 0


@pytest.mark.django_db
def test_queue_batch_is_idempotent_and_skips_batches_before_it_was_switched_on(porta_site):
    from datetime import timedelta

    batch = _stocked(porta_site, quantity=3)
    assert services.queue_batch(batch.pk) == 3  # same rows, no duplicates
    assert PortaAccount.objects.count() == 3
    old = stock_batch(package=porta_site.package, router=porta_site.router, quantity=2)
    VoucherBatch.objects.filter(pk=old.pk).update(
        decided_at=porta_site.config.enabled_at - timedelta(days=1)
    )
    assert services.queue_batch(old.pk) == 0
    with TestCase.captureOnCommitCallbacks(execute=False):
        assert services.queue_missed_batches(porta_site.config) == 0


@pytest.mark.django_db
def test_settings_keep_the_password_encrypted_and_only_a_super_admin_changes_them(
    porta_site, users
):
    from erp.core.exceptions import NotAllowed

    config = PortaBillingSite.objects.get(pk=porta_site.config.pk)
    assert "porta-Secret-42" not in config.password_encrypted
    assert config.get_password() == "porta-Secret-42"
    with pytest.raises(NotAllowed):
        services.save_settings(actor=users[Role.FINANCE], site=config.site, enabled=False)
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="password"):
        services.save_settings(
            actor=users[Role.SUPER_ADMIN], site=config.site, api_url="https://elsewhere.test"
        )
    config.refresh_from_db()
    assert config.api_url != "https://elsewhere.test"
