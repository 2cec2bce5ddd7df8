"""make run's Selcom and openNDS simulator commands, as processes over real sockets against
this test database: Selcom files its (inactive) account and its phone approves a push;
openNDS files its gateway and sends a joining client to the portal with a fas string the
portal can open."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from django.db import connection

from erp.payments.models import ProviderAccount
from erp.portal.models import OpenNDSGateway
from tests.ports import free_port

REPO = Path(__file__).resolve().parents[3]


def _env() -> dict[str, str]:
    db = connection.settings_dict
    env = dict(os.environ)
    env["DATABASE_URL"] = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    return env


def _start(*args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "manage.py", *args],
        cwd=REPO,
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _wait(url: str, proc: subprocess.Popen, **kw) -> requests.Response:
    for _ in range(100):
        if proc.poll() is not None:
            pytest.fail(proc.stdout.read())
        try:
            return requests.get(url, timeout=2, **kw)
        except requests.ConnectionError:
            time.sleep(0.2)
    pytest.fail(f"{url} never answered")


@pytest.mark.django_db(transaction=True)
def test_selcom_sim_registers_an_inactive_account():
    port = free_port()
    proc = _start("selcom_sim", "--port", str(port), "--register")
    try:
        answer = _wait(f"http://127.0.0.1:{port}/v1/checkout/order-status?order_id=x", proc)
        assert answer.status_code in (200, 401, 404)
        account = ProviderAccount.objects.get(name="Selcom vendor:DEMO")
        assert account.provider == "selcom" and not account.is_active
        assert account.api_base_url == f"http://127.0.0.1:{port}"
        assert account.currency == "TZS"
    finally:
        proc.terminate()
        proc.wait(10)


@pytest.mark.django_db(transaction=True)
def test_opennds_sim_files_its_gateway_and_sends_clients_to_the_portal(online_stock, live_server):
    site = online_stock(count=1, agent_count=0)["site"]
    port = free_port()
    proc = _start(
        "opennds_sim",
        "--port",
        str(port),
        "--site",
        site.code,
        "--erp-url",
        live_server.url,
        "--interval",
        "0.5",
    )
    try:
        join = _wait(f"http://127.0.0.1:{port}/", proc, allow_redirects=False)
        assert join.status_code == 302
        target = join.headers["Location"]
        assert target.startswith(f"{live_server.url}/portal/{site.code}/nds/?fas=")
        page = requests.get(target, timeout=10)
        assert page.status_code == 200  # the portal opened the fas string with the key
        gateway = OpenNDSGateway.objects.get(site=site, name="openNDS (simulator)")
        assert gateway.get_faskey() == "demo-opennds-faskey"
        # authmon polls once a client has come: the gateway learnt its hash
        for _ in range(40):
            gateway.refresh_from_db()
            if gateway.last_poll_at:
                break
            time.sleep(0.25)
        assert gateway.gatewayhash and gateway.last_poll_at
    finally:
        proc.terminate()
        proc.wait(10)
