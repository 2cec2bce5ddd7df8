"""Benchmark: every dashboard callback over HTTP (p95), its JSON size, and the rollups' gain.

Serves erp.wsgi over real HTTP (werkzeug, one thread per request), logs in a Super Admin
through a Django session, posts each chart's callback with the default filters (last 30 days)
N times and prints p95 and response size. Beside it: revenue per site for the same 30 days
from the raw sales table vs from the rollup, and the ratio. Targets: p95 ≤ 300 ms, figure ≤ 50 KB.

    DATABASE_URL=postgres://... python bench/dashboards.py --repeats 20
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "erp.settings")

CHARTS = [
    ("overview", "kpis", "children"),
    ("overview", "daily", "figure"),
    ("overview", "packages", "figure"),
    ("sites", "ranking", "figure"),
    ("sites", "map", "figure"),
    ("agents", "balances", "figure"),
    ("agents", "aging", "figure"),
    ("finance", "profit", "figure"),
    ("finance", "expenses", "figure"),
    ("finance", "monthly", "figure"),
    ("network", "users", "figure"),
    ("network", "traffic", "figure"),
]


def _body(page, name, prop, start, end):
    return {
        "output": f"{page}-{name}.{prop}",
        "outputs": {"id": f"{page}-{name}", "property": prop},
        "inputs": [
            {"id": f"{page}-dates", "property": "start_date", "value": start},
            {"id": f"{page}-dates", "property": "end_date", "value": end},
            {"id": f"{page}-sites", "property": "value", "value": []},
            {"id": f"{page}-agents", "property": "value", "value": []},
            {"id": f"{page}-packages", "property": "value", "value": []},
        ],
        "changedPropIds": [],
        "state": [],
    }


def _p95(values):
    return sorted(values)[max(0, int(round(0.95 * len(values))) - 1)]


def run(repeats: int = 20, quiet: bool = False) -> dict:
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db.models import Sum
    from django.middleware.csrf import _get_new_csrf_string
    from django.test import Client
    from django.utils import timezone
    from werkzeug.serving import make_server

    from analytics import sales
    from analytics.filters import Filters
    from erp.sales.models import Sale
    from erp.wsgi import application

    settings.ALLOWED_HOSTS = ["*"]
    User = get_user_model()
    admin = User.objects.filter(is_superuser=True).first() or User.objects.create_superuser(
        "bench-admin", password="bench-Admin-pass-1"
    )
    client = Client()
    client.force_login(admin)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    csrf = _get_new_csrf_string()
    server = make_server("127.0.0.1", 0, application, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_port
    headers = {
        "Content-Type": "application/json",
        "Cookie": f"{settings.SESSION_COOKIE_NAME}={session}; csrftoken={csrf}",
        "X-CSRFToken": csrf,
        "Host": "127.0.0.1",
    }
    today = timezone.localdate()
    start, end = (today - dt.timedelta(days=29)).isoformat(), today.isoformat()
    results = []
    try:
        for page, name, prop in CHARTS:
            body = json.dumps(_body(page, name, prop, start, end))
            times, size = [], 0
            for _ in range(repeats + 1):
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                t0 = time.perf_counter()
                conn.request("POST", "/analytics/_dash-update-component", body, headers)
                response = conn.getresponse()
                content = response.read()
                times.append(time.perf_counter() - t0)
                conn.close()
                if response.status != 200:
                    raise RuntimeError(f"{page}-{name}: HTTP {response.status} {content[:200]}")
                size = len(content)
            times = times[1:]  # the first call warms up
            results.append(
                {
                    "callback": f"{page}-{name}",
                    "p95_ms": round(_p95(times) * 1000, 1),
                    "median_ms": round(statistics.median(times) * 1000, 1),
                    "kb": round(size / 1024, 1),
                }
            )
    finally:
        server.shutdown()
    filters = Filters(start=today - dt.timedelta(days=29), end=today + dt.timedelta(days=1))
    t0 = time.perf_counter()
    rolled = sales.revenue_by_site(filters)
    rollup_s = time.perf_counter() - t0
    lo = timezone.make_aware(dt.datetime.combine(filters.start, dt.time.min))
    hi = timezone.make_aware(dt.datetime.combine(filters.end, dt.time.min))
    t0 = time.perf_counter()
    raw = list(
        Sale.objects.filter(sold_at__gte=lo, sold_at__lt=hi)
        .values("site")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    raw_s = time.perf_counter() - t0
    summary = {
        "callbacks": results,
        "worst_p95_ms": max(r["p95_ms"] for r in results),
        "largest_kb": max(r["kb"] for r in results),
        "revenue_by_site_rollup_ms": round(rollup_s * 1000, 1),
        "revenue_by_site_raw_ms": round(raw_s * 1000, 1),
        "ratio": round(raw_s / rollup_s, 1) if rollup_s else None,
        "sites": len(rolled),
        "raw_sites": len(raw),
    }
    if not quiet:
        for r in results:
            print(
                f"{r['callback']:>20}  p95 {r['p95_ms']:7.1f} ms  median {r['median_ms']:7.1f}"
                f" ms  {r['kb']:6.1f} KB"
            )
        print({k: v for k, v in summary.items() if k != "callbacks"})
    return summary


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=20)
    run(parser.parse_args().repeats)
