"""Real processes: a Celery worker (prefork, Redis broker, PostgreSQL) running a batch job is
killed with SIGKILL — its pool child during generation, or the whole worker during the push —
a new worker starts, the reaper runs, and the batch ends in stock with exactly N users on the
simulated router, each once.

N is BATCH_KILL_QUANTITY (default 20,000, as the issue asks).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connection

from erp.accounts.roles import Role
from erp.mikrotik.choices import SyncState
from erp.mikrotik.models import HotspotUser
from erp.vouchers import services
from erp.vouchers.choices import BatchStatus
from erp.vouchers.models import Voucher, VoucherBatch
from tests.conftest import require
from tests.router_fixtures import sim_users

ROOT = Path(__file__).resolve().parents[3]
QUANTITY = int(os.environ.get("BATCH_KILL_QUANTITY", "20000"))
BACK_IN_STOCK_WITHIN = 120  # seconds after the new worker starts


def _database_url() -> str:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


class Worker:
    """`celery -A erp worker --pool prefork --concurrency 1` on its own queue."""

    def __init__(self, queue: str, log: Path):
        env = {**os.environ, "DATABASE_URL": _database_url(), "CELERY_TASK_ALWAYS_EAGER": "false"}
        self.log = log.open("ab")
        self.proc = subprocess.Popen(
            [
                str(Path(sys.executable).with_name("celery")),
                "-A",
                "erp",
                "worker",
                "--pool",
                "prefork",
                "--concurrency",
                "1",
                "-Q",
                queue,
                "-n",
                f"{queue}-{uuid.uuid4().hex[:6]}@%h",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-l",
                "info",
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def child(self, timeout: float = 60) -> int:
        path = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pids = path.read_text().split() if path.exists() else []
            if pids:
                return int(pids[0])
            time.sleep(0.05)
        pytest.fail("the worker started no pool process")

    def kill(self) -> None:
        """SIGKILL the worker and its pool (as an out-of-memory kill or a power cut would)."""
        if self.proc.poll() is None:
            path = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children")
            children = path.read_text().split() if path.exists() else []
            self.proc.send_signal(signal.SIGKILL)
            for pid in children:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(int(pid), signal.SIGKILL)
            self.proc.wait(timeout=20)
        self.log.close()


def _wait(condition, timeout: float, what: str, poll: float = 0.02):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(poll)
    pytest.fail(f"timed out waiting for {what}")


@pytest.fixture
def broker_queue():
    """A queue of this test's own on the Redis broker; tasks sent from here go to it."""
    from erp.celery import app

    require(bool(os.environ.get("REDIS_URL")), "needs Redis (set REDIS_URL)")
    require(connection.vendor == "postgresql", "needs PostgreSQL (set DATABASE_URL)")
    name = f"test-kill-{uuid.uuid4().hex[:8]}"
    previous = (app.conf.task_default_queue, app.conf.task_always_eager)
    app.conf.task_default_queue, app.conf.task_always_eager = name, False
    yield name
    app.conf.task_default_queue, app.conf.task_always_eager = previous
    with app.connection_for_write() as conn:
        conn.default_channel.queue_delete(name)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("phase,victim", [("generating", "child"), ("pushing", "worker")])
def test_batch_survives_sigkill_of_its_worker(
    phase, victim, broker_queue, sim_router, simulator, users, admin_user, settings, tmp_path
):
    from erp.vouchers.tasks import run_batch

    router, simulated = sim_router()
    package = services.save_package(
        actor=admin_user,
        name="Day",
        price=Decimal("1000"),
        validity_seconds=86400,
        sites=[router.site],
    )
    batch = services.request_batch(
        actor=users[Role.SALES], package=package, router=router, quantity=QUANTITY
    )
    services.decide_batch(actor=users[Role.FINANCE], batch=batch, approve=True)
    log = tmp_path / "worker.log"
    started = time.monotonic()
    first = Worker(broker_queue, log)
    try:
        run_batch.delay(str(batch.pk))
        if phase == "generating":
            _wait(
                lambda: VoucherBatch.objects.filter(pk=batch.pk, status=phase).exists(),
                120,
                "generation to start",
            )
        else:
            _wait(
                lambda: HotspotUser.objects.filter(
                    router=router, sync_state=SyncState.SYNCED
                ).exists(),
                300,
                "the push to start",
            )
        killed_at = time.monotonic() - started
        if victim == "child":
            os.kill(first.child(), signal.SIGKILL)
            time.sleep(0.5)
    finally:
        first.kill()  # and the worker: the message is left unacknowledged (or requeued)
    synced_at_kill = HotspotUser.objects.filter(router=router, sync_state="synced").count()
    at_kill = VoucherBatch.objects.get(pk=batch.pk)
    assert synced_at_kill < QUANTITY, "killed too late: the job had finished"
    assert at_kill.status == phase, f"killed while {at_kill.status}, not {phase}"

    second = Worker(broker_queue, log)
    restarted = time.monotonic()
    try:
        settings.BATCH_STALE_MINUTES = 0  # the reaper need not wait 5 minutes here
        services.reap_stuck_batches()
        _wait(
            lambda: VoucherBatch.objects.filter(pk=batch.pk, status=BatchStatus.READY).exists(),
            BACK_IN_STOCK_WITHIN,
            "the batch to be in stock",
            poll=0.5,
        )
        back_after = time.monotonic() - restarted
    finally:
        second.kill()
    batch.refresh_from_db()
    codes = set(Voucher.objects.filter(batch=batch).values_list("code", flat=True))
    names = [u["name"] for u in sim_users(simulator, simulated)]
    assert len(codes) == QUANTITY == batch.generated_count == batch.pushed_count
    assert len(names) == QUANTITY and set(names) == codes  # each once, none missing
    print(
        f"{phase}/{victim}: {QUANTITY} vouchers, killed at {killed_at:.1f} s"
        f" ({at_kill.generated_count} generated, {synced_at_kill} on the router),"
        f" in stock {back_after:.1f} s after the new worker"
    )
