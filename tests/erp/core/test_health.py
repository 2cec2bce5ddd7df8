"""/healthz reports database, cache and broker, and answers 503 when one is down."""

from __future__ import annotations

import pytest
from django.core.cache import caches


@pytest.mark.django_db
def test_healthz_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert {name: c["status"] for name, c in body["checks"].items()} == {
        "database": "ok",
        "cache": "ok",
        "broker": "ok",
    }


@pytest.mark.django_db
def test_healthz_503_when_cache_and_broker_are_unreachable(client, settings):
    # Given a cache and a broker on a port where nothing listens (a real refused connection)
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }
    settings.HEALTH_CHECK_TIMEOUT = 0.5
    from erp.celery import app

    original = app.conf.broker_url
    app.conf.broker_url = "redis://127.0.0.1:1/0"
    try:
        caches._settings = None  # rebuild the cache handler from the new settings
        caches.__init__()
        response = client.get("/healthz")
    finally:
        app.conf.broker_url = original
        caches._settings = None
        caches.__init__()
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["database"]["status"] == "ok"
    assert checks["cache"]["status"] == "error"
    assert checks["broker"]["status"] == "error"
    assert "127.0.0.1:1" not in response.content.decode()
