"""`make run` as a newcomer runs it: from an empty var/ (SQLite, the embedded broker), every step
finishes and the login page is served; a port that is taken is one clear line, not a
traceback. The servers are real processes, started and stopped here."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import time
import urllib.request
from contextlib import closing
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from erp.core.ports import port_problem
from tests.ports import free_port as _free_port

REPO = Path(__file__).resolve().parents[3]
MAKE_RUN = ["make", "--no-print-directory", "run"]  # make from PATH, as a person runs it


def _newcomer_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """The environment of someone who cloned and typed `make run`: no DATABASE_URL, no Redis."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "PYTEST_ARGS"}
        and not k.startswith(("PYTEST_", "DJANGO_"))
    }
    env.update(ERP_VAR_DIR=str(tmp_path / "var"), **extra)
    env.setdefault("SMS_SIM_PORT", str(_free_port()))  # the demo phone, off any other's port
    env.setdefault("SELCOM_SIM_PORT", str(_free_port()))
    env.setdefault("OPENNDS_SIM_PORT", str(_free_port()))
    env.setdefault("OPENWISP_SIM_PORT", str(_free_port()))
    env.setdefault("SUPPORT_IMAP_SIM_PORT", str(_free_port()))
    env.setdefault("SUPPORT_SMTP_SIM_PORT", str(_free_port()))
    return env


def _make_run(env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        MAKE_RUN,
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own process group: stopped as a whole below
    )


def _stop(process: subprocess.Popen) -> str:
    """Ctrl-C, as a person stops it; the output so far."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGINT)
    try:
        out, _err = process.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        out, _err = process.communicate()
    return out


def test_port_problem_names_a_taken_port_and_passes_a_free_one():
    with closing(socket.socket()) as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert (
            port_problem("127.0.0.1", port)
            == f"127.0.0.1:{port} is already in use by another program"
        )
    assert port_problem("127.0.0.1", _free_port()) is None
    assert port_problem("127.0.0.1", 70000) == "70000 is not a TCP port (1–65535)"


def test_router_simulator_refuses_a_taken_port_in_one_line():
    with closing(socket.socket()) as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(CommandError) as refused:
            call_command("routeros_sim", "--port", str(port - 1), "--routers", "2")
    assert str(refused.value) == (
        f"the router simulator cannot start: 127.0.0.1:{port} is already in use by another program"
    )


@pytest.mark.parametrize("which", ["web", "router"])
def test_make_run_with_a_taken_port_says_which_in_one_line_and_starts_nothing(tmp_path, which):
    with closing(socket.socket()) as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        web, routers = (port, _free_port(4)) if which == "web" else (_free_port(), port - 2)
        env = _newcomer_env(tmp_path, PORT=str(web), ROUTER_SIM_PORT=str(routers))
        started = time.monotonic()
        result = subprocess.run(
            MAKE_RUN,
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert result.returncode != 0
    said = [line for line in result.stderr.splitlines() if line.startswith("make run:")]
    expected = {
        "web": f"make run: web (gunicorn) cannot start: 127.0.0.1:{port} is already in use by "
        f"another program; try PORT={port + 1} make run",
        "router": f"make run: router simulator cannot start: 127.0.0.1:{port} is already in use "
        f"by another program; try ROUTER_SIM_PORT={routers + 10} make run",
    }[which]
    assert said == [expected]
    assert "Traceback" not in result.stdout + result.stderr
    # refused before migrating: no database was made, nothing was started
    assert not (tmp_path / "var" / "viornet.sqlite3").exists()
    assert time.monotonic() - started < 60


@pytest.mark.timeout(600)
def test_make_run_from_a_clean_var_serves_the_login_page_and_stops_cleanly(tmp_path):
    web, routers = _free_port(), _free_port(4)
    env = _newcomer_env(tmp_path, PORT=str(web), ROUTER_SIM_PORT=str(routers))
    process = _make_run(env)
    login = f"http://127.0.0.1:{web}/accounts/login/"
    page = ""
    deadline = time.monotonic() + 420
    try:
        while time.monotonic() < deadline and process.poll() is None:
            try:
                with urllib.request.urlopen(login, timeout=5) as response:  # noqa: S310
                    page = response.read().decode()
                    break
            except OSError:
                time.sleep(1)
        # every demo router of the simulator answers on its port
        answering = []
        for n in range(4):
            with closing(socket.socket()) as probe:
                probe.settimeout(5)
                answering.append(probe.connect_ex(("127.0.0.1", routers + n)) == 0)
    finally:
        out = _stop(process)
    assert 'name="password"' in page, out[-3000:]
    assert answering == [True] * 4, out[-3000:]
    assert "Demo data ready" in out and "Added:" in out
    # honcho pads its "system" column to the longest process name
    for name in (
        "web.1",
        "worker.1",
        "beat.1",
        "router.1",
        "selcom.1",
        "opennds.1",
        "openwisp.1",
        "mail.1",
    ):
        assert re.search(rf"system +\| {re.escape(name)} started", out), name
    assert "Traceback" not in out, out[-3000:]
    assert (tmp_path / "var" / "viornet.sqlite3").exists()
    # Ctrl-C stopped every process of the demo: their ports are free again
    time.sleep(1)
    assert port_problem("127.0.0.1", web) is None
    assert [port_problem("127.0.0.1", routers + n) for n in range(4)] == [None] * 4
