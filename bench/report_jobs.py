"""Benchmark: report files inside the request vs. as a background job (issue 23).

On the demo data (DATABASE_URL), in process through Django's test client, as `admin`:
- the request that asks for the 30-day sales PDF on the reports page and over the API (now a
  ReportJob: 302 to the job page / 202), the job page while it waits, and the worker's build
  of that job (the work the request used to do, 17-34 s);
- the biggest files still built in the request (INLINE_MAX_ROWS: the longest period whose
  PDF has at most 30 sales, and the 30-day workbook), which are what justifies the limits.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/viornet_report \
        .venv/bin/python bench/report_jobs.py --repeats 3
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "erp.settings")


def timed(fn, repeats: int) -> tuple[object, list[float]]:
    times, result = [], None
    for _ in range(repeats):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return result, times


def show(label: str, times: list[float], extra: str = "") -> None:
    print(f"{label:<48} max {max(times) * 1000:>8.0f} ms  min {min(times) * 1000:>8.0f} ms {extra}")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    import django

    django.setup()
    from django.test import Client
    from django.utils import timezone

    from analytics import services
    from erp.accounts.models import User
    from erp.finance.models import ReportJob

    admin = User.objects.get(username="admin")
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(admin)
    today = timezone.localdate()
    start = today - timezone.timedelta(days=30)
    page = f"/finance/reports/?report=sales&start={start}&last={today}&format=pdf"
    end = today + timezone.timedelta(days=1)
    api = f"/api/v1/reports/sales.pdf?start={start}&end={end}"
    ReportJob.objects.filter(requested_by=admin).delete()

    def fresh_page():
        ReportJob.objects.filter(requested_by=admin).delete()
        return client.get(page)

    fresh_page()  # warm-up: the first request of a process loads templates, opens the broker
    response, times = timed(fresh_page, args.repeats)
    show("page, 30-day PDF: new job (302)", times, f"status {response.status_code}")
    _, times = timed(lambda: client.get(page), args.repeats)
    show("page, 30-day PDF again: same job (302)", times)
    job_page = response["Location"]
    _, times = timed(lambda: client.get(job_page), args.repeats)
    show("job page while waiting", times)
    ReportJob.objects.filter(requested_by=admin).delete()
    response, times = timed(lambda: client.get(api), args.repeats)
    show("API, 30-day PDF (202)", times, f"status {response.status_code}")

    job = ReportJob.objects.get(requested_by=admin, format="pdf")
    started = time.perf_counter()
    job = services.build_report_job(job_id=job.pk)
    built = time.perf_counter() - started
    print(
        f"{'worker: build the 30-day PDF job':<48} {built:>11.1f} s  ({job.status}, "
        f"{job.file.size // 1024} KiB)"
    )

    # the biggest files still built in the request: the longest PDF period within the row
    # limit, and the 30-day workbook
    from analytics.reports import estimate_rows

    days = 1
    while (
        days < 30
        and estimate_rows(
            "sales", actor=admin, start=today - timezone.timedelta(days=days), end=end
        )
        <= services.INLINE_MAX_ROWS["pdf"]
    ):
        days += 1
    for fmt, first in (("pdf", today - timezone.timedelta(days=days - 1)), ("xlsx", start)):
        rows = estimate_rows("sales", actor=admin, start=first, end=end)
        url = f"/finance/reports/?report=sales&start={first}&last={today}&format={fmt}"
        client.get(url)  # warm-up
        response, times = timed(lambda url=url: client.get(url), args.repeats)
        show(
            f"page, {fmt} of {(end - first).days} days, {rows} sales",
            times,
            f"status {response.status_code}, {len(response.content) // 1024} KiB",
        )
    ReportJob.objects.filter(requested_by=admin).delete()
    return 0


if __name__ == "__main__":
    sys.exit(main())
