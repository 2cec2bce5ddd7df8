"""Rate limits: login (form and token), password reset, the API per user and per address.

Each limit answers 429 with Retry-After and lets nothing through once exceeded (a right
password is refused too, no reset e-mail leaves). The counter lives in the configured cache:
with Redis, a request counted by another process counts here too.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from erp.accounts.roles import Role
from tests.conftest import IN_CI, PASSWORD

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def limits(settings):
    """Small limits for the test; every other scope keeps its configured rate."""

    def set_(**rates):
        settings.RATE_LIMITS = {**django_settings.RATE_LIMITS, **rates}

    return set_


def _retry_after(response) -> int:
    value = int(response["Retry-After"])
    assert 1 <= value <= 60 * 60
    return value


@pytest.mark.django_db
def test_login_form_limited_per_address(client, users, limits):
    limits(login="3/min")
    user = users[Role.SALES]
    for _ in range(3):
        bad = client.post("/accounts/login/", {"username": "nobody", "password": "x"})
        assert bad.status_code == 200
    refused = client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    assert refused.status_code == 429
    assert _retry_after(refused) <= 60
    assert "Too many requests" in refused.content.decode()
    # Not signed in: the right password did not get through.
    assert client.get("/dashboard/").status_code == 302
    # Another address is not affected.
    other = client.post(
        "/accounts/login/",
        {"username": user.username, "password": PASSWORD},
        REMOTE_ADDR="10.9.8.7",
    )
    assert other.status_code == 302


@pytest.mark.django_db
def test_login_form_limited_per_username_from_many_addresses(client, users, limits):
    limits(login_username="2/min")
    user = users[Role.SALES]
    for n in range(2):
        form = {"username": user.username, "password": "x"}
        bad = client.post("/accounts/login/", form, REMOTE_ADDR=f"10.0.0.{n}")
        assert bad.status_code == 200
    refused = client.post(
        "/accounts/login/",
        {"username": user.username.upper(), "password": PASSWORD},
        REMOTE_ADDR="10.0.0.99",
    )
    assert refused.status_code == 429
    _retry_after(refused)
    # Another username from the same address still may sign in.
    other = users[Role.FINANCE]
    form = {"username": other.username, "password": PASSWORD}
    ok = client.post("/accounts/login/", form, REMOTE_ADDR="10.0.0.99")
    assert ok.status_code == 302


@pytest.mark.django_db
def test_token_endpoint_limited(api, users, limits):
    limits(login="2/min")
    user = users[Role.AGENT]
    client = api()
    for _ in range(2):
        assert (
            client.post(
                "/api/v1/auth/token/", {"username": user.username, "password": "x"}, format="json"
            ).status_code
            == 401
        )
    refused = client.post(
        "/api/v1/auth/token/", {"username": user.username, "password": PASSWORD}, format="json"
    )
    assert refused.status_code == 429
    _retry_after(refused)
    assert "access" not in refused.json()
    assert "throttled" in refused.json()["detail"].lower() or "request" in refused.json()["detail"]


@pytest.mark.django_db
def test_token_endpoint_limited_per_username(api, users, limits):
    limits(login_username="2/min")
    user = users[Role.AGENT]
    for n in range(2):
        api().post(
            "/api/v1/auth/token/",
            {"username": user.username, "password": "x"},
            format="json",
            REMOTE_ADDR=f"10.1.0.{n}",
        )
    refused = api().post(
        "/api/v1/auth/token/",
        {"username": user.username, "password": PASSWORD},
        format="json",
        REMOTE_ADDR="10.1.0.50",
    )
    assert refused.status_code == 429
    _retry_after(refused)


@pytest.mark.django_db
def test_password_reset_limited(client, users, limits, mailoutbox):
    limits(password_reset_email="2/hour")
    user = users[Role.FINANCE]
    user.email = "finance@example.com"
    user.save()
    for _ in range(2):
        sent = client.post("/accounts/password_reset/", {"email": "finance@example.com"})
        assert sent.status_code == 302
    assert len(mailoutbox) == 2
    refused = client.post(
        "/accounts/password_reset/", {"email": "Finance@Example.com"}, REMOTE_ADDR="10.2.0.1"
    )
    assert refused.status_code == 429
    assert _retry_after(refused) > 60  # the hour's window, not a minute's
    assert len(mailoutbox) == 2  # no third e-mail left


@pytest.mark.django_db
def test_password_reset_limited_per_address(client, limits, mailoutbox):
    limits(password_reset="2/15m")
    for n in range(2):
        sent = client.post("/accounts/password_reset/", {"email": f"x{n}@example.com"})
        assert sent.status_code == 302
    refused = client.post("/accounts/password_reset/", {"email": "x9@example.com"})
    assert refused.status_code == 429
    _retry_after(refused)


@pytest.mark.django_db
def test_api_limited_per_user(api, users, limits):
    limits(api_user="5/min")
    agent = api(users[Role.AGENT])
    for _ in range(5):
        assert agent.get("/api/v1/me/").status_code == 200
    refused = agent.get("/api/v1/me/")
    assert refused.status_code == 429
    _retry_after(refused)
    assert refused.json()["detail"]
    # Counted per user: another user (same address) is served.
    assert api(users[Role.FINANCE]).get("/api/v1/me/").status_code == 200


@pytest.mark.django_db
def test_api_limited_per_address_without_user(api, limits):
    """The public endpoints (token refresh here); a protected one answers 401 first."""
    limits(api_anon="2/min")
    anonymous = api()
    url, body = "/api/v1/auth/token/refresh/", {"refresh": "not-a-token"}
    assert anonymous.post(url, body, format="json").status_code == 401
    assert anonymous.post(url, body, format="json").status_code == 401
    refused = anonymous.post(url, body, format="json")
    assert refused.status_code == 429
    _retry_after(refused)
    assert api().post(url, body, format="json", REMOTE_ADDR="10.3.0.1").status_code == 401


@pytest.mark.django_db
def test_unreachable_cache_lets_requests_through(api, users, limits, monkeypatch, caplog):
    from erp.core import ratelimit

    limits(api_user="1/min")

    def broken(*args, **kwargs):
        raise ConnectionError("redis is down")

    monkeypatch.setattr(ratelimit, "get_usage", broken)
    agent = api(users[Role.AGENT])
    assert agent.get("/api/v1/me/").status_code == 200
    assert agent.get("/api/v1/me/").status_code == 200
    assert "cache is unreachable" in caplog.text


@pytest.mark.django_db
def test_limit_shared_with_another_process(client, limits):
    """Attempts counted by another process (another gunicorn worker) count here."""
    if not django_settings.CACHES["default"]["BACKEND"].endswith("RedisCache"):
        if IN_CI:
            pytest.fail("CI runs with REDIS_URL: the shared limit must be tested there")
        pytest.skip("needs REDIS_URL (the local-memory cache counts per process)")
    limits(login="3/hour")  # an hour's window: the two processes count in the same one
    script = (
        "import django; django.setup()\n"
        "from django.test import RequestFactory\n"
        "from erp.core.ratelimit import hit\n"
        "for _ in range(3):\n"
        "    assert not hit(RequestFactory().post('/accounts/login/'), 'login', 'ip').limited\n"
    )
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="erp.settings", LOGIN_THROTTLE_RATE="3/hour")
    subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, check=True, timeout=120)  # noqa: S603
    refused = client.post("/accounts/login/", {"username": "someone", "password": "x"})
    assert refused.status_code == 429
    _retry_after(refused)
