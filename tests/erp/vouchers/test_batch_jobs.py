"""Batch jobs that cannot be lost: heartbeat, the reaper, Resume (API and page), counts derived
from the hotspot user rows by whoever pushes, one job per batch at a time."""

from __future__ import annotations

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import TestCase
from django.utils import timezone

from erp.accounts.roles import Role
from erp.core import locks
from erp.mikrotik.services import push_pending_users, sync_profiles
from erp.vouchers import selectors, services
from erp.vouchers.choices import BatchStatus
from erp.vouchers.models import Voucher, VoucherBatch
from tests.router_fixtures import sim_users


@pytest.fixture
def world(sim_router, users, admin_user):
    router, simulated = sim_router()
    package = services.save_package(
        actor=admin_user,
        name="Week",
        price=Decimal("3000"),
        validity_seconds=7 * 86400,
        sites=[router.site],
    )
    return {"router": router, "simulated": simulated, "package": package}


def _approved(world, users, quantity=25) -> VoucherBatch:
    batch = services.request_batch(
        actor=users[Role.SALES], package=world["package"], router=world["router"], quantity=quantity
    )
    return services.decide_batch(actor=users[Role.FINANCE], batch=batch, approve=True)


def _age(batch: VoucherBatch, minutes: int) -> None:
    """As if the batch's job last showed progress `minutes` ago (its worker then died)."""
    then = timezone.now() - timedelta(minutes=minutes)
    VoucherBatch.objects.filter(pk=batch.pk).update(heartbeat_at=then, updated_at=then)
    batch.refresh_from_db()


class HeldElsewhere:
    """The batch's lock held by another thread (another connection), as a live job holds it."""

    def __init__(self, name: str):
        self.name, self.taken, self.done = name, threading.Event(), threading.Event()
        self.thread = threading.Thread(target=self._hold, daemon=True)

    def _hold(self):
        from django.db import connections

        try:
            with locks.held(self.name) as got:
                assert got
                self.taken.set()
                self.done.wait(30)
        finally:
            connections.close_all()

    def __enter__(self):
        self.thread.start()
        assert self.taken.wait(10)
        return self

    def __exit__(self, *exc):
        self.done.set()
        self.thread.join(10)


@pytest.mark.django_db
def test_generation_beats_the_heartbeat_and_a_stale_job_is_reaped_unless_its_lock_is_held(
    world, users, simulator, eager_celery, settings
):
    settings.BATCH_STALE_MINUTES = 5
    batch = _approved(world, users, quantity=30)
    services.generate_batch(batch, chunk=10)  # a job killed after generating: never queued
    batch.refresh_from_db()
    assert batch.status == BatchStatus.GENERATING and batch.generated_count == 30
    assert timezone.now() - batch.heartbeat_at < timedelta(seconds=30)
    assert selectors.stuck_age(batch) is None and not services.reap_stuck_batches()

    _age(batch, 6)
    assert selectors.stuck_age(batch) > timedelta(minutes=5)
    with HeldElsewhere(services.batch_lock_name(batch)):
        assert services.reap_stuck_batches() == []  # its job is alive somewhere: left alone

    with TestCase.captureOnCommitCallbacks(execute=True):
        assert services.reap_stuck_batches() == [str(batch.pk)]
    batch.refresh_from_db()
    assert (batch.status, batch.generated_count, batch.pushed_count) == (BatchStatus.READY, 30, 30)
    names = [u["name"] for u in sim_users(simulator, world["simulated"])]
    assert sorted(names) == sorted(
        Voucher.objects.filter(batch=batch).values_list("code", flat=True)
    )
    assert batch.last_error == "" and services.reap_stuck_batches() == []


@pytest.mark.django_db
def test_an_approved_batch_whose_message_was_lost_is_reaped(world, users, eager_celery):
    batch = _approved(world, users, quantity=5)  # the job's message never arrived
    assert services.reap_stuck_batches() == []
    _age(batch, 6)
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert services.reap_stuck_batches() == [str(batch.pk)]
    batch.refresh_from_db()
    assert batch.status == BatchStatus.READY and batch.pushed_count == 5


@pytest.mark.django_db
def test_a_second_copy_of_the_job_does_nothing_while_the_first_holds_the_batch(world, users):
    batch = _approved(world, users, quantity=5)
    with HeldElsewhere(services.batch_lock_name(batch)):
        services.run_batch_job(batch)
    assert not Voucher.objects.filter(batch=batch).exists()
    assert VoucherBatch.objects.get(pk=batch.pk).status == BatchStatus.APPROVED


@pytest.mark.django_db
def test_users_pushed_by_beat_make_the_batch_ready_with_its_counts(world, users):
    batch = _approved(world, users, quantity=12)
    services.generate_batch(batch)
    services.queue_batch_push(batch)  # then the worker died before pushing
    batch.refresh_from_db()
    assert (batch.status, batch.pushed_count) == (BatchStatus.PUSHING, 0)

    sync_profiles(world["router"])  # (the beat push does not do this yet: issue 14, item 10)
    with TestCase.captureOnCommitCallbacks(execute=True):
        push_pending_users(world["router"])  # the every-minute beat push
    batch.refresh_from_db()
    assert (batch.status, batch.generated_count, batch.pushed_count, batch.failed_count) == (
        BatchStatus.READY,
        12,
        12,
        0,
    )


@pytest.mark.django_db
def test_resume_over_the_api_conflict_when_not_stuck_and_roles(
    api, users, world, simulator, eager_celery
):
    batch = _approved(world, users, quantity=8)
    url = f"/api/v1/voucher-batches/{batch.pk}/resume/"
    services.generate_batch(batch)
    batch.refresh_from_db()

    listed = api(users[Role.FINANCE]).get(f"/api/v1/voucher-batches/{batch.pk}/").json()
    assert listed["stuck"] is False and listed["stuck_for_seconds"] is None

    running = api(users[Role.FINANCE]).post(url)
    assert running.status_code == 409 and "not stuck" in running.json()["detail"]

    _age(batch, 7)
    shown = api(users[Role.SALES]).get(f"/api/v1/voucher-batches/{batch.pk}/").json()
    assert shown["stuck"] is True and shown["stuck_for_seconds"] >= 7 * 60
    assert "may have been stopped" in shown["stuck_cause"]

    assert api(users[Role.TECHNICAL]).post(url).status_code in (403, 404)
    with TestCase.captureOnCommitCallbacks(execute=True):
        resumed = api(users[Role.SALES]).post(url)
    assert resumed.status_code == 200, resumed.json()
    batch.refresh_from_db()
    assert batch.status == BatchStatus.READY and batch.pushed_count == 8
    assert len(sim_users(simulator, world["simulated"])) == 8
    assert batch.history.filter(history_change_reason="resumed").exists()
    assert api(users[Role.SALES]).post(url).status_code == 409  # in stock: nothing to resume


@pytest.mark.django_db
def test_batch_page_shows_a_stuck_batch_and_resumes_it(client, users, world, eager_celery):
    batch = _approved(world, users, quantity=4)
    page = f"/vouchers/voucherbatch/{batch.pk}/detail/"
    client.force_login(users[Role.FINANCE])
    assert "This batch is stuck" not in client.get(page).content.decode()

    _age(batch, 12)
    VoucherBatch.objects.filter(pk=batch.pk).update(last_error="cannot reach 10.0.0.9:8728")
    html = client.get(page).content.decode()
    assert "This batch is stuck" in html and "12\xa0minutes" in html
    assert "cannot reach 10.0.0.9:8728" in html and "/resume/" in html

    with TestCase.captureOnCommitCallbacks(execute=True):
        answer = client.post(f"/vouchers/voucherbatch/{batch.pk}/resume/")
    assert answer.status_code == 302
    assert VoucherBatch.objects.get(pk=batch.pk).status == BatchStatus.READY
