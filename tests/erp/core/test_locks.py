"""Locks that die with their owner: a second process cannot take a held lock, and SIGKILL of
the holder frees it at once (no TTL to wait out)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from erp.core import locks
from erp.mikrotik.exceptions import PushBusy
from erp.mikrotik.models import HotspotUser
from erp.mikrotik.services import (
    HotspotUserSpec,
    push_lock_name,
    push_pending_users,
    queue_hotspot_users,
)
from tests.router_fixtures import sim_users

ROOT = Path(__file__).resolve().parents[3]

HOLDER = """
import sys, time, django
django.setup()
from erp.core import locks
name, kind = sys.argv[1], sys.argv[2]
take = locks.held(name) if kind == "held" else locks._file_lock(name, "default")
with take as got:
    print("held" if got else "busy", flush=True)
    time.sleep(120)
"""


def _database_url() -> str:
    s = connection.settings_dict
    if connection.vendor != "postgresql":
        return os.environ.get("DATABASE_URL", "")
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


class Holder:
    """Another process holding a lock until it is killed."""

    def __init__(self, name: str, kind: str = "held"):
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "erp.settings"}
        env["DATABASE_URL"] = _database_url()
        self.proc = subprocess.Popen(
            [sys.executable, "-c", HOLDER, name, kind],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        line = self.proc.stdout.readline().strip()
        if line != "held":
            self.proc.kill()
            pytest.fail(f"the holder did not take the lock: {line} {self.proc.stderr.read()}")

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)


def _free_within(name: str, seconds: float, check=locks.is_free) -> float:
    """Seconds until the lock is free (fails after ``seconds``)."""
    start = time.monotonic()
    while not check(name):
        if time.monotonic() - start > seconds:
            pytest.fail(f"{name} still held after {seconds} s")
        time.sleep(0.02)
    return time.monotonic() - start


@pytest.mark.django_db
def test_a_held_lock_is_refused_to_another_connection_and_freed_on_exit(postgres_only):
    name = "test-lock:connections"
    key = locks.advisory_key(name)
    s = connection.settings_dict
    other = psycopg.connect(
        host=s["HOST"] or "127.0.0.1",
        port=s["PORT"] or 5432,
        user=s["USER"],
        password=s["PASSWORD"] or None,
        dbname=s["NAME"],
        autocommit=True,
    )
    try:
        with locks.held(name) as got:
            assert got
            assert other.execute("SELECT pg_try_advisory_lock(%s)", [key]).fetchone()[0] is False
            with locks.held(name) as again:  # the same thread: re-entrant
                assert again
        assert other.execute("SELECT pg_try_advisory_lock(%s)", [key]).fetchone()[0] is True
        with locks.held(name) as got:  # now the other connection holds it
            assert not got
    finally:
        other.close()
    assert locks.is_free(name)


@pytest.mark.django_db
def test_sigkill_of_the_holder_frees_the_advisory_lock_at_once(postgres_only):
    name = "test-lock:sigkill"
    holder = Holder(name)
    try:
        assert not locks.is_free(name)
        with locks.held(name) as got:
            assert not got
    finally:
        holder.kill()
    assert _free_within(name, 2.0) < 2.0


def test_file_lock_across_processes_dies_with_its_holder(settings, tmp_path):
    """SQLite's lock: flock on a file under VAR_DIR/locks/."""
    name = "test-lock:file"

    def free(n: str) -> bool:
        with locks._file_lock(n, "default") as got:
            return got

    holder = Holder(name, kind="file")
    try:
        assert not free(name)
    finally:
        holder.kill()
    assert _free_within(name, 1.0, check=free) < 1.0
    assert locks.lock_path(name).parent == settings.VAR_DIR / "locks"


@pytest.mark.django_db(transaction=True)
def test_a_push_or_a_repair_meanwhile_is_refused_and_runs_once_the_holder_is_killed(
    sim_router, simulator
):
    """On PostgreSQL the advisory lock; on SQLite the file lock (the holder runs on the same
    database settings and VAR_DIR)."""
    router, simulated = sim_router()
    queue_hotspot_users(router, [HotspotUserSpec(name=f"L{i:03}") for i in range(20)])
    holder = Holder(push_lock_name(router))
    try:
        with pytest.raises(PushBusy, match="another push to this router is running"):
            push_pending_users(router)
        with pytest.raises(CommandError, match="another push"):
            call_command("router_drift", str(router.pk), "--repair")
        assert HotspotUser.objects.filter(router=router, sync_state="synced").count() == 0
    finally:
        holder.kill()
    report = push_pending_users(router)  # at once: no lock left to expire
    assert report.added == 20 and report.remaining == 0
    assert sorted(u["name"] for u in sim_users(simulator, simulated)) == [
        f"L{i:03}" for i in range(20)
    ]
