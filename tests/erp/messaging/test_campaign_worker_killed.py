"""Real processes: a Celery worker (prefork, Redis broker, PostgreSQL) draining a campaign
of 500 through the Android gateway simulator (real HTTP) is killed with SIGKILL mid-drain;
a new worker resumes (beat's pump_all, sent from a process of its own); every message is
accepted by the phone exactly once."""

from __future__ import annotations

import subprocess
import sys
import time
import uuid

import pytest

from erp.accounts.roles import Role
from erp.messaging import services
from erp.messaging.choices import MessageKind, MessageState
from erp.messaging.models import Message, MessageEvent
from tests.conftest import require
from tests.erp.vouchers.test_batch_worker_killed import ROOT, Worker, _env

N = 500

RESUME = """
import sys, django
django.setup()
from erp.celery import app
app.conf.task_default_queue = sys.argv[1]
from erp.messaging.tasks import pump_all
print(pump_all())
"""


def _wait(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    pytest.fail(f"timed out waiting for {what}")


@pytest.mark.django_db(transaction=True)
@pytest.mark.timeout(300)
def test_a_worker_killed_during_a_campaign_of_500_sends_each_once(
    postgres_only, settings, tmp_path, users, make_site, phone_sim
):
    require(bool(settings.REDIS_URL), "needs Redis (the broker)")
    from django.contrib.auth.models import Group

    from erp.clients.models import Client

    phone_sim.parts_per_window = 100_000  # the kill, not the throttle, is under test here
    phone_sim.delay = 0.01
    site = make_site()
    services.create_gateway(
        name="Phone",
        base_url=phone_sim.url,
        username=phone_sim.username,
        password=phone_sim.password,
        parts_per_minute=100_000,
        is_default=True,
    )
    Client.objects.bulk_create(
        [
            Client(site=site, phone=f"+25571{i:07d}", name=f"C{i}", marketing_consent=True)
            for i in range(N)
        ]
    )
    marketing = users[Role.MARKETING]
    assert Group.objects.filter(name="Marketing", user=marketing).exists()
    template = services.save_template(
        actor=marketing,
        code="promo",
        name="Promo",
        kind=MessageKind.MARKETING,
        text_en="Hi {client_name}, offer at {site}",
        text_sw="Habari {client_name}, ofa {site}",
    )
    queue = f"sms-{uuid.uuid4().hex[:8]}"
    log = tmp_path / "worker.log"
    first = Worker(queue, log)
    try:
        # queued in the test's transaction; the pump is sent to the worker's queue
        from erp.celery import app

        previous = app.conf.task_default_queue
        app.conf.task_default_queue = queue
        try:
            campaign = services.start_campaign(actor=marketing, name="Promo", template=template)
        finally:
            app.conf.task_default_queue = previous
        assert campaign.total == N
        _wait(lambda: len(phone_sim.accepted) >= 120, 90, "the first worker to send 120")
    finally:
        first.kill()
    sent_before = len(phone_sim.accepted)
    assert sent_before < N, "the worker finished before it could be killed"
    second = Worker(queue, log)
    try:
        done = subprocess.run(
            [sys.executable, "-c", RESUME, queue],
            cwd=ROOT,
            env=_env("redis"),
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        _wait(
            lambda: (
                not Message.objects.filter(
                    campaign=campaign, state__in=[MessageState.QUEUED]
                ).exists()
                and not Message.objects.filter(campaign=campaign, accepted_at__isnull=True).exists()
            ),
            180,
            "the second worker to drain the campaign",
        )
    finally:
        second.kill()
    accepted = phone_sim.sent_ids()
    ids = {str(pk) for pk in Message.objects.filter(campaign=campaign).values_list("pk", flat=True)}
    assert set(accepted) == ids and len(ids) == N
    assert set(accepted.values()) == {1}, "a message was accepted twice"
    assert MessageEvent.objects.filter(message__campaign=campaign, state="queued").count() >= N
