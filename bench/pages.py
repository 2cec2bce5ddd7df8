"""Benchmark: every menu page of every role against the 2-second budget (issue 23).

In process, through Django's test client (the whole request: middleware, session, templates,
queries; no network), on the database DATABASE_URL names: the demo data (`manage.py
seed_demo`) or the scale data (`bench/generate.py`). For each login it reads the menu (the
top-level entries and each application's own menu, as a person clicks through it), requests
every page once to warm up and then --repeats times, and prints p50 and p95 per page and
the pages over the budget. Beside the pages: `/api/schema/` (cold and warm) and the sales
report PDF of the last 30 days, the slowest export the issue measured.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/viornet_screens \
        .venv/bin/python bench/pages.py --repeats 5

Exit status 1 when a page's p95 is over --budget (2 s).
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from pathlib import Path
from urllib.parse import urljoin

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "erp.settings")

MENU_LINK = re.compile(r'<a class="[^"]*vf-page__menu-list-item[^"]*" href="(/[^"]*)"')
SKIP = ("/accounts/logout", "/admin/", "/analytics/")
LOGINS = ("admin", "finance", "sales", "technician", "agent", "marketing")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, int(round(q * len(ordered))) - 1)]


def menu_pages(client) -> list[str]:
    top = MENU_LINK.findall(client.get("/dashboard/").content.decode())
    pages = set()
    for href in top:
        if href.startswith(SKIP):
            continue
        # an application's entry redirects to its first list; its own menu lists the rest
        response = client.get(href, follow=True)
        pages.add(
            urljoin(href, response.redirect_chain[-1][0]) if response.redirect_chain else href
        )
        pages |= set(MENU_LINK.findall(response.content.decode()))
    return sorted(h for h in pages if not h.startswith(SKIP))


def timed(client, url: str, repeats: int) -> tuple[int, list[float]]:
    status = client.get(url).status_code  # warm-up
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - started)
        status = response.status_code
    return status, times


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--budget", type=float, default=2.0)
    parser.add_argument("--logins", default=",".join(LOGINS))
    args = parser.parse_args()

    import django

    django.setup()
    from django.test import Client
    from django.utils import timezone

    from erp.accounts.models import User

    over: list[str] = []
    print(f"{'login':<11} {'page':<34} {'status':>6} {'p50 ms':>8} {'p95 ms':>8}")
    for username in args.logins.split(","):
        user = User.objects.get(username=username)
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(user)
        for url in menu_pages(client):
            status, times = timed(client, url, args.repeats)
            p50, p95 = percentile(times, 0.5), percentile(times, 0.95)
            flag = "  OVER" if p95 > args.budget else ""
            print(
                f"{username:<11} {url:<34} {status:>6} {p50 * 1000:>8.0f} {p95 * 1000:>8.0f}{flag}"
            )
            if flag:
                over.append(f"{username} {url} p95 {p95:.2f} s")

    admin = Client(HTTP_HOST="127.0.0.1")
    admin.force_login(User.objects.get(username="admin"))
    from erp.core import api_schema

    api_schema.clear()
    started = time.perf_counter()
    admin.get("/api/schema/")
    cold = time.perf_counter() - started
    _, warm = timed(admin, "/api/schema/", args.repeats)
    print(
        f"/api/schema/: cold {cold * 1000:.0f} ms, warm p95 {percentile(warm, 0.95) * 1000:.0f} ms"
    )

    today = timezone.localdate()
    start = today - timezone.timedelta(days=30)
    report = f"/finance/reports/?report=sales&start={start}&last={today}&format=pdf"
    status, times = timed(admin, report, max(1, args.repeats // 2))
    print(
        f"sales report PDF, 30 days (302: a background job since issue 23): status {status}, "
        f"p95 {percentile(times, 0.95):.2f} s"
    )

    if over:
        print("over the budget:\n  " + "\n  ".join(over))
        return 1
    print(f"every menu page within {args.budget:.1f} s (p95)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
