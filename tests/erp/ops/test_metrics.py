"""/metrics: protected, parsed with Prometheus's own text parser, figures that follow the data,
and counts summed across two gunicorn workers (multiprocess mode)."""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection
from prometheus_client.parser import text_string_to_metric_families

from erp.mikrotik.models import HotspotUser
from erp.sites.models import Router

ROOT = Path(__file__).resolve().parents[3]


def _families(text: str) -> dict:
    return {f.name: f for f in text_string_to_metric_families(text)}


def _value(families: dict, name: str, **labels) -> float:
    for family in families.values():
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                return sample.value
    raise KeyError(f"{name} {labels}")


@pytest.mark.django_db
def test_metrics_parse_and_follow_the_data(client, make_router):
    down = make_router(name="east")
    make_router(name="west")
    Router.objects.filter(pk=down.pk).update(status="down")
    HotspotUser.objects.bulk_create(
        [HotspotUser(router=down, name=f"u{n}", sync_state="pending") for n in range(3)]
    )
    client.get("/healthz")
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    families = _families(response.content.decode())
    assert _value(families, "viornet_business_metrics_up") == 1
    assert _value(families, "viornet_routers_down") == 1
    assert _value(families, "viornet_routers", status="down") == 1
    assert _value(families, "viornet_hotspot_users_pending", router=f"{down.site.code}/east") == 3
    assert _value(families, "viornet_voucher_batches_stuck") == 0
    assert _value(families, "viornet_sales_today") == 0
    assert _value(families, "viornet_faults_past_sla") == 0
    assert _value(families, "viornet_celery_queue_depth", queue="celery") >= 0
    # Request counts and latency by view, from django-prometheus.
    assert (
        _value(
            families, "django_http_requests_latency_seconds_by_view_method_count", view="healthz"
        )
        >= 1
    )


@pytest.mark.django_db
def test_metrics_protected(client, settings):
    settings.METRICS_ALLOWED_IPS = ["127.0.0.1/32"]
    settings.METRICS_TOKEN = "s3cret-scrape-token"
    assert client.get("/metrics", REMOTE_ADDR="10.0.0.5").status_code == 404
    wrong = client.get("/metrics", REMOTE_ADDR="10.0.0.5", HTTP_AUTHORIZATION="Bearer nope")
    assert wrong.status_code == 404
    ok = client.get(
        "/metrics", REMOTE_ADDR="10.0.0.5", HTTP_AUTHORIZATION="Bearer s3cret-scrape-token"
    )
    assert ok.status_code == 200
    assert "viornet_routers_down" in ok.content.decode()
    settings.METRICS_ALLOWED_IPS = []
    settings.METRICS_TOKEN = ""
    assert client.get("/metrics").status_code == 404  # nothing configured: nobody


@pytest.mark.django_db
def test_database_down_still_answers(client, monkeypatch):
    from erp.ops import metrics

    def broken():
        raise RuntimeError("database unreachable")
        yield  # pragma: no cover

    monkeypatch.setattr(metrics, "_business_families", broken)
    response = client.get("/metrics")
    assert response.status_code == 200
    families = _families(response.content.decode())
    assert _value(families, "viornet_business_metrics_up") == 0
    assert "viornet_routers_down" not in families


@pytest.mark.django_db
def test_celery_task_outcomes_counted(client, eager_celery):
    from erp.core.tasks import deliver_due_events

    def count(outcome):
        families = _families(client.get("/metrics").content.decode())
        try:
            return _value(
                families,
                "viornet_celery_tasks_total",
                task="erp.core.tasks.deliver_due_events",
                outcome=outcome,
            )
        except KeyError:
            return 0

    before = count("success")
    deliver_due_events.delay()
    assert count("success") == before + 1


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(port: int, path: str, headers=None) -> tuple[int, str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.read().decode(errors="replace")
    finally:
        conn.close()


@pytest.mark.django_db(transaction=True)
def test_two_gunicorn_workers_sum_their_counts(tmp_path, make_router):
    """Requests answered by either worker are counted in every scrape, whichever worker
    answers it: the counters live in PROMETHEUS_MULTIPROC_DIR, one file per process."""
    make_router(name="gw")
    port = _free_port()
    db = connection.settings_dict
    env = dict(
        os.environ,
        DATABASE_URL=f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
        if connection.vendor == "postgresql"
        else f"sqlite:///{db['NAME']}",
        PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "metrics"),
        METRICS_TOKEN="scrape-me",
        METRICS_ALLOWED_IPS="192.0.2.1/32",
        DEBUG="false",
    )
    gunicorn = Path(sys.executable).parent / "gunicorn"
    server = subprocess.Popen(  # noqa: S603 - our own command line
        [str(gunicorn), "erp.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "2"]
        + ["--log-level", "warning"],
        cwd=ROOT,
        env=env,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                _get(port, "/favicon.ico")
                break
            except OSError:
                assert server.poll() is None, "gunicorn exited"
                assert time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.3)
        time.sleep(1)  # both workers booted
        for _ in range(30):
            assert _get(port, "/healthz")[0] in (200, 503)
        auth = {"Authorization": "Bearer scrape-me"}
        seen = set()
        for _ in range(6):
            status, text = _get(port, "/metrics", auth)
            assert status == 200
            families = _families(text)
            seen.add(
                _value(
                    families,
                    "django_http_requests_latency_seconds_by_view_method_count",
                    view="healthz",
                    method="GET",
                )
            )
            assert _value(families, "viornet_routers", status="unknown") == 1
        assert seen == {30.0}
        assert len(list((tmp_path / "metrics").glob("counter_*.db"))) >= 2  # two processes
        assert _get(port, "/metrics")[0] == 404  # no token, not from an allowed address
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.mark.django_db
def test_dashboard_and_alerts_name_real_metrics(client, make_router):
    """Every metric the Grafana dashboard and the alert rules in docs/ use is served."""
    import re

    make_router()
    client.get("/healthz")
    client.get("/no-such-page/")
    served = {
        sample.name
        for family in text_string_to_metric_families(client.get("/metrics").content.decode())
        for sample in family.samples
    }
    # Counters are served with _total; histograms with _bucket / _count / _sum.
    served |= {name.removesuffix("_total") for name in served}
    monitoring = ROOT / "docs" / "monitoring"
    used = set()
    for path in (monitoring / "alerts.yml", monitoring / "grafana-dashboard.json"):
        used |= set(re.findall(r"\b((?:viornet|django_http)_[a-z_]+)", path.read_text()))
    missing = {name for name in used if name not in served and f"{name}_total" not in served}
    # Families with no sample yet in a fresh process (no task ran, no rollup refreshed).
    missing -= {
        "viornet_celery_tasks_total",
        "viornet_celery_task_seconds_bucket",
        "viornet_rollup_age_seconds",
        "viornet_hotspot_users_pending",
    }
    assert not missing, missing
