"""Benchmark: every menu page of every role against the 2-second budget (issue 23).

In process, through Django's test client (the whole request: middleware, session, templates,
queries; no network), on the database DATABASE_URL names: the demo data (`manage.py
seed_demo`) or the scale data (`bench/generate.py`). For each login it reads the menu (the
top-level entries and each application's own menu, as a person clicks through it), requests
every page once to warm up and then --repeats times, and prints p50 and p95 per page and
the pages over the budget. Beside the pages: `/api/schema/` (cold and warm), and every report
of the last 30 days as the reports page offers it: read on the page, as Excel and as PDF (a
file too big for the request answers 302 to its background job: that answer is timed).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/viornet_screens \
        .venv/bin/python bench/pages.py --repeats 5

On the scale data, which has no demo logins, `--make-logins` first creates the staff logins
that are missing (through `create_user`, in the demo login's role, seeing every site: the
heaviest case) and times the agent pages as the generated agent with the most sales in the
last 30 days (an "agent" login, if one exists, is used as it is):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/viornet_bench10m \
        .venv/bin/python bench/pages.py --repeats 3 --make-logins

Longer periods (issue 23): `--periods 30,90,365` times only the reports page, as Super
Admin, every report (or those of `--reports`) read on the page over the last 30, 90 and 365
days: the first request of each in the process ("cold": after one request of the bare reports
page, so the process's own start is not counted; the database's cache as the previous
requests left it) and then --repeats more (p50 and p95, "warm"):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/viornet_bench10m \
        .venv/bin/python bench/pages.py --make-logins --periods 30,90,365 --reports sales

(`--as LOGIN`: as another existing login, e.g. a manager narrowed to some sites.)

Exit status 1 when a page's p95 is over --budget (2 s).
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import urljoin

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "erp.settings")

MENU_LINK = re.compile(r'<a class="[^"]*vf-page__menu-list-item[^"]*" href="(/[^"]*)"')
SKIP = ("/accounts/logout", "/admin/", "/analytics/")
LOGINS = ("admin", "finance", "sales", "technician", "agent", "marketing")
# the role of each demo login, for --make-logins
LOGIN_ROLES = {
    "admin": "Super Admin",
    "finance": "Finance",
    "sales": "Sales",
    "technician": "Technical",
    "agent": "Agent",
    "marketing": "Marketing",
}


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


def login_user(username: str, make: bool):
    """The user to time the pages as: the demo login of that name; with ``make`` (scale data)
    a staff login is created in its role if missing, and a missing "agent" is the generated
    agent with the most sales in the last 30 days."""
    import secrets

    from django.db.models import Count
    from django.utils import timezone

    from erp.accounts.models import User
    from erp.accounts.services import create_user
    from erp.sales.models import Sale

    user = User.objects.filter(username=username).first()
    if user is not None or not make:
        return user or User.objects.get(username=username)
    role = LOGIN_ROLES[username]
    if role == "Agent":
        since = timezone.now() - timezone.timedelta(days=30)
        busiest = (
            Sale.objects.filter(sold_at__gte=since, seller__groups__name=role)
            .values("seller")
            .annotate(n=Count("pk"))
            .order_by("-n")
            .first()
        )
        if busiest is None:  # no sales lately: any agent
            return User.objects.filter(groups__name=role).order_by("username").first()
        return User.objects.get(pk=busiest["seller"])
    return create_user(
        actor=None,
        username=username,
        password=secrets.token_urlsafe(24),
        role=role,
        first_name=username.title(),
        last_name="Bench",
    )


def report_urls(today) -> list[str]:
    """The reports page for each report over the last 30 days: on the page, as Excel, as PDF."""
    from analytics.reports import REPORTS

    start = today - timedelta(days=29)
    urls = []
    for key in REPORTS:
        page = f"/finance/reports/?report={key}&start={start}&last={today}"
        urls += [page, f"{page}&format=xlsx", f"{page}&format=pdf"]
    return urls


def period_urls(today, periods: list[int], keys: list[str]) -> list[tuple[str, int, str]]:
    """(report, days, URL) of the reports page for each report over each period of days
    ending today."""
    return [
        (
            key,
            days,
            f"/finance/reports/?report={key}&start={today - timedelta(days=days - 1)}&last={today}",
        )
        for key in keys
        for days in periods
    ]


def time_periods(client, today, periods: list[int], keys: list[str], repeats: int, budget):
    """The reports page over longer periods: cold (the first request of the URL in this
    process, after one of the bare reports page) and warm (p50, p95 of ``repeats`` more).
    Returns the ones over the budget."""
    over = []
    client.get("/finance/reports/")  # the process's first page (URLs, imports) is not timed
    print(
        f"{'report':<12} {'days':>5} {'status':>6} {'cold ms':>8} {'p50 ms':>8} {'p95 ms':>8}"
        f"  load average"
    )
    for key, days, url in period_urls(today, periods, keys):
        started = time.perf_counter()
        status = client.get(url).status_code
        cold = time.perf_counter() - started
        times = []
        for _ in range(repeats):
            started = time.perf_counter()
            status = client.get(url).status_code
            times.append(time.perf_counter() - started)
        p50, p95 = percentile(times, 0.5), percentile(times, 0.95)
        load = " ".join(f"{x:.2f}" for x in os.getloadavg())
        flag = "  OVER" if max(p95, cold) > budget else ""
        print(
            f"{key:<12} {days:>5} {status:>6} {cold * 1000:>8.0f} {p50 * 1000:>8.0f}"
            f" {p95 * 1000:>8.0f}  {load}{flag}"
        )
        if flag:
            over.append(f"{url} cold {cold:.2f} s, p95 {p95:.2f} s")
    return over


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
    parser.add_argument(
        "--make-logins",
        action="store_true",
        help="scale data: create the missing staff logins; time the busiest agent as 'agent'",
    )
    parser.add_argument(
        "--periods",
        default="",
        help="only the reports page, as admin, over each of these periods of days (30,90,365)",
    )
    parser.add_argument(
        "--reports", default="", help="with --periods: only these reports (e.g. sales)"
    )
    parser.add_argument(
        "--as",
        dest="as_login",
        default="admin",
        help="with --periods: as this existing login (e.g. a site-scoped manager)",
    )
    args = parser.parse_args()

    import logging

    import django

    django.setup()
    logging.getLogger("weasyprint").setLevel(logging.WARNING)  # a line per PDF page otherwise
    from django.test import Client
    from django.utils import timezone

    from analytics.reports import REPORTS
    from erp.accounts.models import User

    if args.periods:
        login_user("admin", args.make_logins)
        admin = Client(HTTP_HOST="127.0.0.1")
        admin.force_login(User.objects.get(username=args.as_login))
        periods = [int(p) for p in args.periods.split(",")]
        keys = args.reports.split(",") if args.reports else list(REPORTS)
        over = time_periods(admin, timezone.localdate(), periods, keys, args.repeats, args.budget)
        if over:
            print("over the budget:\n  " + "\n  ".join(over))
            return 1
        print(f"every report within {args.budget:.1f} s")
        return 0

    over: list[str] = []
    print(f"{'login':<11} {'page':<34} {'status':>6} {'p50 ms':>8} {'p95 ms':>8}")
    for username in args.logins.split(","):
        user = login_user(username, args.make_logins)
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

    # every report as the reports page offers it, for the last 30 days: read on the page,
    # and taken away as Excel and PDF (a big file answers 302 to its background job)
    for url in report_urls(timezone.localdate()):
        status, times = timed(admin, url, args.repeats)
        p50, p95 = percentile(times, 0.5), percentile(times, 0.95)
        flag = "  OVER" if p95 > args.budget else ""
        print(f"{'admin':<11} {url:<34} {status:>6} {p50 * 1000:>8.0f} {p95 * 1000:>8.0f}{flag}")
        if flag:
            over.append(f"admin {url} p95 {p95:.2f} s")

    if over:
        print("over the budget:\n  " + "\n  ".join(over))
        return 1
    print(f"every menu page and report within {args.budget:.1f} s (p95)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
