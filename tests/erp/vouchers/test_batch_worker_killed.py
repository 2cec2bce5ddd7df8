"""Real processes: a Celery worker (prefork, PostgreSQL; Redis broker, or the embedded
filesystem broker) running a batch job is killed with SIGKILL — its pool child during
generation, or the whole worker during the push — a new worker starts, the reaper runs (in a
process of its own), and the batch ends in stock with exactly N users on the simulated router,
each once.

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


BROKERS = {"redis": {}, "embedded": {"CELERY_BROKER_URL": "filesystem://"}}


def _env(broker: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "CELERY_TASK_ALWAYS_EAGER": "false",
        **BROKERS[broker],
    }


SEND = """
import sys, django
django.setup()
from django.conf import settings
from erp.celery import app
queue, what, batch_id = sys.argv[1:4]
app.conf.task_default_queue = queue
if what == "start":
    from erp.vouchers.tasks import run_batch
    run_batch.delay(batch_id)
else:
    settings.BATCH_STALE_MINUTES = 0  # the reaper need not wait 5 minutes here
    from erp.vouchers.services import reap_stuck_batches
    print(reap_stuck_batches())
"""


def _send(broker: str, queue: str, what: str, batch_id) -> str:
    """Queue the job, or run the reaper, from a process of its own on this broker."""
    done = subprocess.run(
        [sys.executable, "-c", SEND, queue, what, str(batch_id)],
        cwd=ROOT,
        env=_env(broker),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


class Worker:
    """`celery -A erp worker --pool prefork --concurrency 1` on its own queue."""

    def __init__(self, queue: str, log: Path, broker: str = "redis"):
        env = _env(broker)
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
def broker_queue(request):
    """A queue of this test's own on the broker (Redis, or the embedded one)."""
    from erp.celery import app

    broker = request.node.callspec.params["broker"]
    if broker == "redis":
        require(bool(os.environ.get("REDIS_URL")), "needs Redis (set REDIS_URL)")
    require(connection.vendor == "postgresql", "needs PostgreSQL (set DATABASE_URL)")
    name = f"test-kill-{uuid.uuid4().hex[:8]}"
    yield name
    if broker == "redis":
        with app.connection_for_write() as conn:
            conn.default_channel.queue_delete(name)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "phase,victim,broker",
    [
        ("generating", "child", "redis"),
        ("pushing", "worker", "redis"),
        ("generating", "child", "embedded"),
    ],
)
def test_batch_survives_sigkill_of_its_worker(
    phase, victim, broker, broker_queue, sim_router, simulator, users, admin_user, tmp_path
):
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
    first = Worker(broker_queue, log, broker)
    try:
        _send(broker, broker_queue, "start", batch.pk)
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

    second = Worker(broker_queue, log, broker)
    restarted = time.monotonic()
    try:
        _send(broker, broker_queue, "reap", batch.pk)
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
        f"{broker} {phase}/{victim}: {QUANTITY} vouchers, killed at {killed_at:.1f} s"
        f" ({at_kill.generated_count} generated, {synced_at_kill} on the router),"
        f" in stock {back_after:.1f} s after the new worker"
    )
