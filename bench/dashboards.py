"""Benchmark: every dashboard callback over HTTP (p95), its JSON size, and the rollups' gain.

Serves erp.wsgi over real HTTP (werkzeug, one thread per request), logs in a Super Admin
through a Django session, posts each chart's callback N times — once with the page's own
default period (what a manager sees on opening it) and once with a whole year — and prints p95
and response size. Beside the charts that the rollups serve, the same figures computed from
the raw tables (sales, refunds, remittances, vouchers) and the ratio: what the rollups buy.
Targets: p95 ≤ 300 ms, figure ≤ 50 KB.

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
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "erp.settings")

from bench.timing import Stopwatch, percentile, ratio, timed  # noqa: E402 - after the path above

# (page, chart, output property, the page's default period in days)
CHARTS = [
    ("overview", "kpis", "children", 30),
    ("overview", "daily", "figure", 30),
    ("overview", "packages", "figure", 30),
    ("overview", "ending", "figure", 30),
    ("sites", "ranking", "figure", 30),
    ("sites", "map", "figure", 30),
    ("sites", "drill", "figure", 30),
    ("agents", "balances", "figure", 30),
    ("agents", "aging", "figure", 30),
    ("finance", "profit", "figure", 90),
    ("finance", "expenses", "figure", 90),
    ("finance", "monthly", "figure", 90),
    ("finance", "equipment", "figure", 90),
    ("network", "users", "figure", 2),
    ("network", "traffic", "figure", 2),
    ("maintenance", "severity", "figure", 30),
    ("maintenance", "faults", "figure", 30),
    ("maintenance", "uptime", "figure", 30),
    ("maintenance", "mttr", "figure", 30),
]
LONG_DAYS = 365


def _filters(page, start, end):
    return [
        {"id": f"{page}-dates", "property": "start_date", "value": start},
        {"id": f"{page}-dates", "property": "end_date", "value": end},
        {"id": f"{page}-sites", "property": "value", "value": []},
        {"id": f"{page}-agents", "property": "value", "value": []},
        {"id": f"{page}-packages", "property": "value", "value": []},
    ]


def _body(page, name, prop, start, end, site=None):
    if name == "drill":  # a click on the ranking's first bar, then the page's filters as state
        click = {"points": [{"customdata": site, "y": "bench site"}]}
        return {
            "output": f"..{page}-drill.figure...{page}-drill-title.children..",
            "outputs": [
                {"id": f"{page}-drill", "property": "figure"},
                {"id": f"{page}-drill-title", "property": "children"},
            ],
            "inputs": [{"id": f"{page}-ranking", "property": "clickData", "value": click}],
            "changedPropIds": [f"{page}-ranking.clickData"],
            "state": _filters(page, start, end),
        }
    return {
        "output": f"{page}-{name}.{prop}",
        "outputs": {"id": f"{page}-{name}", "property": prop},
        "inputs": _filters(page, start, end),
        "changedPropIds": [],
        "state": [],
    }


def _raw_queries(filters):
    """The charts' figures straight from the raw tables, as the rollups replace them."""
    from django.db.models import Count, Q, Sum
    from django.db.models.functions import TruncDate
    from django.utils import timezone

    from erp.sales.models import Refund, Remittance, Sale
    from erp.vouchers.models import Voucher

    lo = timezone.make_aware(dt.datetime.combine(filters.start, dt.time.min))
    hi = timezone.make_aware(dt.datetime.combine(filters.end, dt.time.min))
    sold = Sale.objects.filter(sold_at__gte=lo, sold_at__lt=hi)
    today = timezone.now()

    def by(queryset, *keys, **sums):
        return list(queryset.values(*keys).annotate(**sums).order_by())

    return {
        "sites-ranking": lambda: (
            by(sold, "site", n=Count("pk"), a=Sum("amount")),
            by(
                Refund.objects.filter(refunded_at__gte=lo, refunded_at__lt=hi),
                "sale__site",
                a=Sum("amount"),
            ),
        ),
        "overview-daily": lambda: by(
            sold.annotate(d=TruncDate("sold_at")), "d", n=Count("pk"), a=Sum("amount")
        ),
        "overview-packages": lambda: by(sold, "package", "payment_method", a=Sum("amount")),
        "agents-balances": lambda: (
            by(
                Sale.objects.filter(sold_at__lt=hi),
                "seller",
                a=Sum("amount"),
                c=Sum("commission"),
                p=Sum("amount", filter=Q(sold_at__gte=lo)),
            ),
            by(Refund.objects.filter(refunded_at__lt=hi), "sale__seller", a=Sum("amount")),
            by(Remittance.objects.filter(received_at__lt=hi), "agent", a=Sum("amount")),
        ),
        "agents-aging": lambda: by(
            Voucher.objects.filter(status="unused", agent__isnull=False),
            "agent",
            new=Count("pk", filter=Q(created_at__gte=today - dt.timedelta(days=7))),
            old=Count("pk", filter=Q(created_at__lt=today - dt.timedelta(days=90))),
        ),
    }


def _post(port, headers, body):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    with Stopwatch() as watch:
        conn.request("POST", "/analytics/_dash-update-component", body, headers)
        response = conn.getresponse()
        content = response.read()
    conn.close()
    return response.status, content, watch.seconds


def run(repeats: int = 20, quiet: bool = False, long_days: int = LONG_DAYS) -> dict:
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connections
    from django.middleware.csrf import _get_new_csrf_string
    from django.test import Client
    from django.utils import timezone
    from werkzeug.serving import make_server

    from analytics import sales
    from analytics.filters import Filters
    from erp.wsgi import application

    settings.ALLOWED_HOSTS = ["*"]
    # one thread per request: each closes its connection when done (none left behind)
    connections.settings["default"]["CONN_MAX_AGE"] = 0
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
    results = []
    try:
        for label, override in (("default", None), ("year", long_days)):
            for page, name, prop, days in CHARTS:
                first = today - dt.timedelta(days=(override or days) - 1)
                filters = Filters(start=first, end=today + dt.timedelta(days=1))
                top = sales.revenue_by_site(filters)
                site = top["site"].iloc[0] if len(top) else None
                body = json.dumps(
                    _body(page, name, prop, first.isoformat(), today.isoformat(), site)
                )
                times, size = [], 0
                for _ in range(repeats + 1):
                    status, content, elapsed = _post(port, headers, body)
                    if status != 200:
                        raise RuntimeError(f"{page}-{name}: HTTP {status} {content[:200]}")
                    times.append(elapsed)
                    size = len(content)
                times = times[1:]  # the first call warms up
                results.append(
                    {
                        "callback": f"{page}-{name}",
                        "period": label,
                        "days": override or days,
                        "p95_ms": round(percentile(times, 95) * 1000, 1),
                        "median_ms": round(statistics.median(times) * 1000, 1),
                        "kb": round(size / 1024, 1),
                    }
                )
    finally:
        server.shutdown()

    # What the rollups buy: the same figures from the raw tables, beside the callback
    ratios = []
    for label, days in (("default", 30), ("year", long_days)):
        filters = Filters(
            start=today - dt.timedelta(days=days - 1), end=today + dt.timedelta(days=1)
        )
        for name, query in _raw_queries(filters).items():
            times, _rows = timed(query, 1 if repeats < 5 else 3)
            raw_s = statistics.median(times)
            mine = next(r for r in results if r["callback"] == name and r["period"] == label)
            ratios.append(
                {
                    "callback": name,
                    "period": label,
                    "raw_ms": round(raw_s * 1000, 1),
                    "callback_median_ms": mine["median_ms"],
                    "ratio": ratio(raw_s * 1000, mine["median_ms"], digits=1),
                }
            )
    month = Filters(start=today - dt.timedelta(days=29), end=today + dt.timedelta(days=1))
    raw_sites = _raw_queries(month)["sites-ranking"]()[0]
    summary = {
        "callbacks": results,
        "ratios": ratios,
        "worst_p95_ms": max(r["p95_ms"] for r in results),
        "largest_kb": max(r["kb"] for r in results),
        "sites": len(sales.revenue_by_site(month)),
        "raw_sites": len(raw_sites),
    }
    if not quiet:
        for r in results:
            print(
                f"{r['callback']:>22} {r['period']:>7} ({r['days']:3d} d)  p95 {r['p95_ms']:7.1f}"
                f" ms  median {r['median_ms']:7.1f} ms  {r['kb']:6.1f} KB"
            )
        for r in ratios:
            print(
                f"{r['callback']:>22} {r['period']:>7}  raw tables {r['raw_ms']:8.1f} ms"
                f"  callback {r['callback_median_ms']:7.1f} ms  ratio {r['ratio']:6.1f}x"
            )
        print({k: v for k, v in summary.items() if k not in ("callbacks", "ratios")})
    return summary


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--long-days", type=int, default=LONG_DAYS)
    args = parser.parse_args()
    run(args.repeats, long_days=args.long_days)
