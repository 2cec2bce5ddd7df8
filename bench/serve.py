"""gunicorn started by a benchmark, shaped as in the Procfile, on a free local port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(
    workers: int, threads: int, access_log: Path | None = None, port: int | None = None
) -> tuple[subprocess.Popen, str]:
    """Start ``erp.wsgi`` and wait until ``/healthz`` answers; returns the process (the caller
    terminates it) and the base URL. The server reads the database this process uses (under
    pytest: the test database). ``access_log``: gunicorn's access log, one line a request:
    method, path, status, server time in ms."""
    from urllib.parse import urlsplit, urlunsplit

    import requests
    from django.db import connection

    port = port or free_port()
    env = dict(os.environ, DEBUG="false")
    parts = urlsplit(os.environ.get("DATABASE_URL", ""))
    if parts.scheme.startswith("postgres"):
        env["DATABASE_URL"] = urlunsplit(
            parts._replace(path=f"/{connection.settings_dict['NAME']}")
        )
    command = [str(Path(sys.executable).parent / "gunicorn"), "erp.wsgi"]
    command += ["--bind", f"127.0.0.1:{port}", "--workers", str(workers)]
    command += ["--threads", str(threads), "--log-level", "warning"]
    # a sync worker's first request imports the app's lazy parts: more than gunicorn's 30 s on
    # a busy machine, which would kill it before it answers
    command += ["--timeout", "120"]
    if access_log is not None:
        command += ["--access-logfile", str(access_log)]
        command += ["--access-logformat", "%(m)s %(U)s %(s)s %(M)s"]
    server = subprocess.Popen(command, cwd=ROOT, env=env)  # noqa: S603 - our own command line
    url = f"http://127.0.0.1:{port}"
    # several workers each import Django, Dash and pandas: minutes on a busy machine
    deadline = time.monotonic() + 300
    while True:
        try:
            requests.get(f"{url}/healthz", timeout=5)
            return server, url
        except requests.RequestException:
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                raise RuntimeError("gunicorn did not start") from None
            time.sleep(0.2)


def stop_server(server: subprocess.Popen, grace: float = 60) -> None:
    """Stop a server a benchmark started, after its figures are taken: SIGTERM, then SIGKILL
    if it is still draining after ``grace`` seconds (gunicorn waits for its keep-alive
    threads; on a loaded machine that outlasted 30 s and the finished run was lost)."""
    server.terminate()
    try:
        server.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()
