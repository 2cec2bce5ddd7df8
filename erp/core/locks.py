"""Named locks that die with their owner: no TTL to guess, nothing to clean up after a crash.

On PostgreSQL a lock is a session advisory lock (``pg_try_advisory_lock``) taken on a
connection opened for it alone and closed when the block ends: the server frees the lock when
that session ends, so a process killed with SIGKILL (or an out-of-memory kill) frees its locks
at once. A dedicated connection, not Django's, so that a rolled-back or broken transaction of
the work inside, or a persistent connection kept for the next request, can neither keep the
lock nor lose it.

Elsewhere (SQLite, the one-machine install) a lock is ``fcntl.flock`` on a file under
``VAR_DIR/locks/``: the kernel frees it when the file is closed, which it is when the process
dies. Both work across processes, and across threads of one process.

A thread that already holds a lock gets it again without waiting (the push inside a drift
repair holds the repair's lock).
"""

from __future__ import annotations

import fcntl
import hashlib
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db import connections

_held = threading.local()


def advisory_key(name: str) -> int:
    """The signed 64-bit key of a lock name (stable across processes and releases)."""
    digest = hashlib.blake2b(name.encode(), digest_size=8, person=b"viornet-lock").digest()
    return int.from_bytes(digest, "big", signed=True)


def lock_path(name: str):
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", name)[:120]
    folder = settings.VAR_DIR / "locks"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{safe}-{advisory_key(name) & 0xFFFFFFFF:08x}.lock"


@contextmanager
def held(name: str, *, using: str = "default") -> Iterator[bool]:
    """Try to take the lock ``name`` without waiting; yield whether it was taken.

    ::

        with held(f"router-push:{router.pk}") as got:
            if not got:
                ...  # someone else is doing it
    """
    names: set[str] = getattr(_held, "names", None) or set()
    _held.names = names
    if name in names:
        yield True
        return
    take = _postgres_lock if connections[using].vendor == "postgresql" else _file_lock
    with take(name, using) as got:
        if got:
            names.add(name)
        try:
            yield got
        finally:
            names.discard(name)


def is_free(name: str, *, using: str = "default") -> bool:
    """Whether nobody holds the lock now (taken and released at once to find out)."""
    with held(name, using=using) as got:
        return got


@contextmanager
def _postgres_lock(name: str, using: str) -> Iterator[bool]:
    key = advisory_key(name)
    conn = connections.create_connection(using)
    got = False
    try:
        with conn.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
            got = bool(cursor.fetchone()[0])
        yield got
    finally:
        try:
            if got:  # at once; closing the session frees it too, a moment later
                with conn.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s)", [key])
        finally:
            conn.close()


@contextmanager
def _file_lock(name: str, using: str) -> Iterator[bool]:
    with open(lock_path(name), "a+b") as handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
