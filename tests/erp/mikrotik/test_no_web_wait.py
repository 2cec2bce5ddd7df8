"""No web request waits on a router (issue 14, item 9).

A silent router (a port that accepts connections and never answers) against a real threaded
server: eight operators press *Test connection* at once. Every request answers at once, one job
is queued for the eight, `/healthz` stays fast, and the worker ends the job with our message.
"""

from __future__ import annotations

import re
import socket
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from erp.accounts.roles import Role
from erp.mikrotik.client import UNREACHABLE
from erp.mikrotik.models import RouterJob
from erp.mikrotik.services import run_job
from tests.conftest import PASSWORD


@pytest.fixture
def silent_host():
    """A TCP port whose connections are accepted by the kernel and then never answered."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    yield listener.getsockname()[1]
    listener.close()


def _logged_in(base: str, username: str) -> requests.Session:
    session = requests.Session()
    login = session.get(f"{base}/accounts/login/", timeout=10)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login.text).group(1)
    done = session.post(
        f"{base}/accounts/login/",
        {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token},
        headers={"Referer": f"{base}/accounts/login/"},
        timeout=10,
    )
    assert done.status_code == 200 and "sessionid" in session.cookies
    return session


@pytest.mark.django_db(transaction=True)
def test_eight_tests_against_a_silent_router_hold_no_web_worker(
    live_server, users, make_router, silent_host, settings
):
    settings.ROUTER_TIMEOUT = 10.0  # what a person's request would have waited before
    router = make_router(api_port=silent_host)
    base = live_server.url
    operators = [_logged_in(base, users[Role.TECHNICAL].username) for _ in range(8)]
    detail = operators[0].get(f"{base}/network/router/{router.pk}/detail/", timeout=10).text
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', detail)
    assert token, "the router page offers Test connection"

    def press_test(session: requests.Session) -> tuple[float, int, str]:
        page = session.get(f"{base}/network/router/{router.pk}/detail/", timeout=10).text
        csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        started = time.perf_counter()
        response = session.post(
            f"{base}/network/router/{router.pk}/test/",
            {"csrfmiddlewaretoken": csrf},
            headers={"Referer": f"{base}/network/router/{router.pk}/detail/"},
            allow_redirects=False,
            timeout=30,
        )
        return time.perf_counter() - started, response.status_code, response.headers["Location"]

    def healthz() -> float:
        started = time.perf_counter()
        response = requests.get(f"{base}/healthz", timeout=30)
        assert response.status_code == 200, response.text
        return time.perf_counter() - started

    requests.get(f"{base}/healthz", timeout=30)  # warm: the first request imports the views
    with ThreadPoolExecutor(max_workers=9) as pool:
        presses = [pool.submit(press_test, s) for s in operators]
        time.sleep(0.05)
        health = [healthz() for _ in range(5)]
        results = [p.result() for p in presses]

    # The failure this guards against is 10 s (a request waiting ROUTER_TIMEOUT). The server
    # here runs in the test's process, so the eight POSTs share its GIL with /healthz: the
    # median is held to the 200 ms target, a single slow answer on a busy machine to 1 s.
    assert sorted(health)[len(health) // 2] < 0.2 and max(health) < 1.0, health
    for elapsed, status_code, _location in results:
        assert status_code == 302 and elapsed < 1.0, (elapsed, status_code)
    # One job for the eight clicks, still waiting for a worker; every page points at it.
    job = RouterJob.objects.get(router=router)
    assert job.status == "queued" and {r[2] for r in results} == {
        f"/network/router/{router.pk}/job/{job.pk}/"
    }
    waiting = operators[1].get(f"{base}{results[0][2]}", timeout=10)
    assert waiting.status_code == 200 and 'http-equiv="refresh"' in waiting.text

    # The worker's side: it waits the router's timeout, not a web process, and ends the job
    # with our own words.
    settings.ROUTER_TIMEOUT = 0.5
    started = time.perf_counter()
    finished = run_job(job.pk)
    assert time.perf_counter() - started < 5
    assert finished.status == "failed" and finished.error == UNREACHABLE
    assert run_job(job.pk) is None  # a redelivered message does not run it again
    router.refresh_from_db()
    assert router.status == "down"
    shown = operators[1].get(f"{base}{results[0][2]}", timeout=10).text
    assert UNREACHABLE.split(";")[0] in shown and 'http-equiv="refresh"' not in shown
    for session in operators:  # the server's threads close their database connections
        session.close()
    time.sleep(0.3)
