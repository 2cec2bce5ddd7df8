"""Smaller reliability points of issue 14 item 10: the recorder saves a window in one
transaction, a timeout reads as one, and wrong credentials are not "pushed when it answers"."""

from __future__ import annotations

import socket
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from erp.accounts.roles import Role
from erp.mikrotik.client import LOGIN_REFUSED, RouterClient
from erp.mikrotik.exceptions import RouterUnreachable
from erp.mikrotik.models import HotspotUser
from erp.mikrotik.services import HotspotUserSpec, push_pending_users, queue_hotspot_users
from erp.sites.models import Router
from erp.vouchers import services as vouchers
from erp.vouchers.choices import BatchStatus
from erp.vouchers.models import Package


@pytest.mark.django_db
def test_a_timeout_says_it_timed_out(make_router, settings):
    listener = socket.socket()  # accepts, never answers
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    settings.ROUTER_TIMEOUT = 0.5
    router = make_router(api_port=listener.getsockname()[1])
    try:
        with pytest.raises(RouterUnreachable) as caught, RouterClient(router):
            pass
    finally:
        listener.close()
    assert caught.value.detail.endswith("no answer within 0.5 s"), caught.value.detail
    assert ": str" not in caught.value.detail


@pytest.mark.django_db
def test_the_recorder_never_leaves_a_synced_row_without_its_id(sim_router, simulator, monkeypatch):
    router, _ = sim_router()
    queue_hotspot_users(router, [HotspotUserSpec(name=f"R{i}") for i in range(5)])

    def killed(*args, **kwargs):  # the process dies between the two writes
        raise KeyboardInterrupt

    monkeypatch.setattr(type(HotspotUser.objects), "bulk_update", killed)
    with pytest.raises(KeyboardInterrupt):
        push_pending_users(router)
    assert not HotspotUser.objects.filter(sync_state="synced", router_item_id="").exists()
    assert HotspotUser.objects.filter(sync_state="pending").count() == 5
    monkeypatch.undo()
    push_pending_users(router)  # the next push finds them on the router and records the ids
    assert not HotspotUser.objects.filter(router_item_id="").exists()
    assert HotspotUser.objects.filter(sync_state="synced").count() == 5


@pytest.fixture
def refusing_router(sim_router, admin_user):
    router, simulated = sim_router()
    vouchers.save_package(
        actor=admin_user,
        name="Day",
        price=Decimal("1000"),
        validity_seconds=86400,
        sites=[router.site],
    )
    # the router's admin changed its API password; ours is now wrong
    Router.objects.filter(pk=router.pk).update(username="nobody")
    router.refresh_from_db()
    return router


@pytest.mark.django_db
def test_wrong_credentials_are_not_waited_for_in_silence(refusing_router, users):
    err = StringIO()
    call_command(
        "vouchers_generate",
        "--package",
        "Day",
        "--router",
        str(refusing_router.pk),
        "--quantity",
        "3",
        stdout=StringIO(),
        stderr=err,
    )
    text = err.getvalue()
    assert "refused our login" in text and "API username and password" in text
    assert "will be pushed when it answers" not in text

    batch = vouchers.request_batch(
        actor=users[Role.SALES],
        package=Package.objects.get(name="Day"),
        router=refusing_router,
        quantity=2,
    )
    batch = vouchers.decide_batch(actor=users[Role.FINANCE], batch=batch, approve=True)
    done = vouchers.run_batch_job(batch)  # no exception: nothing to retry until fixed
    done.refresh_from_db()
    assert done.status == BatchStatus.WAITING_ROUTER
    assert done.last_error.startswith(LOGIN_REFUSED)
    assert "fix its API username or password" in done.last_error
