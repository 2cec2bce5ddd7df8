"""Report files too big for the request (issue 23): built by the worker as a ReportJob, its
page refreshing itself until the file is ready, downloadable by its requester (and Super
Admin) only; the same request twice reuses the job that is still running."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from analytics import exports, reports
from analytics import services as reporting
from erp.accounts.models import User
from erp.accounts.roles import Role
from erp.core.exceptions import NotAllowed
from erp.finance.models import ReportJob


def _values(content: bytes) -> dict[str, list[tuple]]:
    wb = load_workbook(io.BytesIO(content))
    return {ws.title: list(ws.iter_rows(values_only=True)) for ws in wb.worksheets}


def _long_period():
    """30 days up to today."""
    today = timezone.localdate()
    return today - timedelta(days=29), today + timedelta(days=1)


@pytest.fixture
def one_row_inline(monkeypatch):
    """Files of more than one row go to the background (the fixtures sell two vouchers)."""
    monkeypatch.setitem(reporting.INLINE_MAX_ROWS, "pdf", 1)
    monkeypatch.setitem(reporting.INLINE_MAX_ROWS, "xlsx", 1)


@pytest.mark.django_db
def test_the_estimate_counts_the_sales_the_person_sees(users, sold, monkeypatch):
    today = timezone.localdate()
    day = {"start": today, "end": today + timedelta(days=1)}
    finance_user = users[Role.FINANCE]
    assert reports.estimate_rows("sales", actor=finance_user, **day) == len(sold)
    yesterday = {"start": today - timedelta(days=1), "end": today}
    assert reports.estimate_rows("sales", actor=finance_user, **yesterday) == 0
    assert reporting.runs_inline(report="sales", fmt="pdf", actor=finance_user, **day)
    ask = {"report": "sales", "actor": finance_user, **day}
    monkeypatch.setitem(reporting.INLINE_MAX_ROWS, "pdf", 1)
    assert not reporting.runs_inline(fmt="pdf", **ask)
    assert reporting.runs_inline(fmt="json", **ask)  # no layout: always inline


@pytest.mark.django_db
def test_the_estimate_counts_a_row_per_agent_expense_and_site(users, sold, make_user):
    """Statements are a row per agent (every agent for Finance: 5,000 at 1,000 sites made a
    180-page PDF in the request when counted as a row per day), one for an agent; expenses
    a row per expense; profit a row per site and head office."""
    from erp.sites.models import Site

    for i in range(3):
        make_user(Role.AGENT, f"more_agent_{i}")
    today = timezone.localdate()
    month = {"start": today - timedelta(days=29), "end": today + timedelta(days=1)}
    finance_user, agent = users[Role.FINANCE], users[Role.AGENT]
    agents = User.objects.filter(groups__name=Role.AGENT).count()
    assert agents >= 4
    assert reports.estimate_rows("statements", actor=finance_user, **month) == agents
    assert reports.estimate_rows("statements", actor=agent, **month) == 1
    assert reports.estimate_rows("expenses", actor=finance_user, **month) == 0
    assert reports.estimate_rows("profit", actor=finance_user, **month) == Site.objects.count() + 1


@pytest.mark.django_db
def test_a_job_builds_the_same_workbook_as_the_inline_path(users, sold):
    finance_user = users[Role.FINANCE]
    today = timezone.localdate()
    start, end = today, today + timedelta(days=1)
    job, created = reporting.request_report_job(
        actor=finance_user, report="sales", fmt="xlsx", start=start, end=end
    )
    assert created and job.status == "queued"
    job = reporting.build_report_job(job_id=job.pk)
    assert job.status == "done" and job.finished_at is not None
    inline = exports.workbook(
        reports.build_report("sales", actor=finance_user, start=start, end=end)
    )
    with job.file.open("rb") as handle:
        built = _values(handle.read())
    assert built == _values(inline)
    assert sum(len(rows) for rows in built.values()) > 10  # the sales are in it
    # a task delivered again builds nothing again
    again = reporting.build_report_job(job_id=job.pk)
    assert again.file.name == job.file.name


@pytest.mark.django_db
def test_the_same_request_reuses_the_running_job_and_a_finished_one_does_not(users, sold):
    finance_user = users[Role.FINANCE]
    start, end = _long_period()
    ask = {"actor": finance_user, "report": "sales", "fmt": "pdf", "start": start, "end": end}
    first, created = reporting.request_report_job(**ask)
    second, created_again = reporting.request_report_job(**ask)
    assert created and not created_again and second.pk == first.pk
    other_format, created_other = reporting.request_report_job(**{**ask, "fmt": "xlsx"})
    assert created_other and other_format.pk != first.pk
    reporting.build_report_job(job_id=first.pk)
    third, created_third = reporting.request_report_job(**ask)
    assert created_third and third.pk != first.pk  # a finished file is of its moment
    assert ReportJob.objects.filter(requested_by=finance_user).count() == 3


@pytest.mark.django_db
def test_a_job_the_worker_never_finished_is_not_waited_for_forever(users, sold):
    finance_user = users[Role.FINANCE]
    start, end = _long_period()
    ask = {"actor": finance_user, "report": "sales", "fmt": "pdf", "start": start, "end": end}
    stuck, _created = reporting.request_report_job(**ask)
    ReportJob.objects.filter(pk=stuck.pk).update(
        status="running", created_at=timezone.now() - reporting.REPORT_JOB_STALE - timedelta(1)
    )
    fresh, created = reporting.request_report_job(**ask)
    assert created and fresh.pk != stuck.pk
    stuck.refresh_from_db()
    assert stuck.status == "failed" and stuck.error


@pytest.mark.django_db
def test_a_report_the_person_may_not_run_is_refused(users, sold):
    start, end = _long_period()
    with pytest.raises(NotAllowed):
        reporting.request_report_job(
            actor=users[Role.AGENT], report="profit", fmt="pdf", start=start, end=end
        )
    assert not ReportJob.objects.exists()


@pytest.mark.django_db
def test_api_answers_202_and_only_the_requester_and_super_admin_download(
    api, users, sold, one_row_inline, eager_celery, django_capture_on_commit_callbacks
):
    finance_user, sales_user = users[Role.FINANCE], users[Role.SALES]
    start, end = _long_period()
    params = {"start": start.isoformat(), "end": end.isoformat()}
    with django_capture_on_commit_callbacks(execute=True):
        response = api(finance_user).get("/api/v1/reports/sales.xlsx", params)
    assert response.status_code == 202
    body = response.json()
    assert response["Location"] == body["status_url"]
    job = ReportJob.objects.get(pk=body["id"])
    assert job.status == "done"  # the (eager) worker built it
    status = api(finance_user).get(body["status_url"]).json()
    assert status["status"] == "done" and status["download_url"]
    download = api(finance_user).get(status["download_url"])
    assert download.status_code == 200
    assert download["Content-Type"] == exports.XLSX
    rows = _values(b"".join(download.streaming_content))["Sales"]
    assert len(rows) == 1 + len(sold) + 1  # heading, the sales, the total
    # someone else who may run the same report: no such job
    assert api(sales_user).get(body["status_url"]).status_code == 404
    assert api(sales_user).get(status["download_url"]).status_code == 404
    assert api(users[Role.SUPER_ADMIN]).get(status["download_url"]).status_code == 200
    # a small file (no sales that day) stays inline: 200 with the file, as before
    yesterday = timezone.localdate() - timedelta(days=1)
    short = {"start": yesterday.isoformat(), "end": (yesterday + timedelta(days=1)).isoformat()}
    inline = api(finance_user).get("/api/v1/reports/sales.xlsx", short)
    assert inline.status_code == 200 and inline["Content-Type"] == exports.XLSX


@pytest.mark.django_db
def test_api_same_request_twice_while_running_gets_the_same_job(api, users, sold, one_row_inline):
    finance_user = users[Role.FINANCE]
    start, end = _long_period()
    params = {"start": start.isoformat(), "end": end.isoformat()}
    first = api(finance_user).get("/api/v1/reports/sales.pdf", params)  # no worker: queued
    second = api(finance_user).get("/api/v1/reports/sales.pdf", params)
    assert first.status_code == second.status_code == 202
    assert first.json()["id"] == second.json()["id"]
    assert first.json()["status"] == "queued" and first.json()["download_url"] is None
    assert ReportJob.objects.count() == 1


@pytest.mark.django_db
def test_reports_page_starts_a_job_and_its_page_refreshes_until_the_download(
    client, users, sold, one_row_inline
):
    finance_user = users[Role.FINANCE]
    client.force_login(finance_user)
    start, end = _long_period()
    query = {
        "report": "sales",
        "start": start.isoformat(),
        "last": (end - timedelta(days=1)).isoformat(),
        "format": "pdf",
    }
    response = client.get("/finance/reports/", query)  # no worker yet
    assert response.status_code == 302
    job = ReportJob.objects.get()
    assert response["Location"] == f"/finance/reports/jobs/{job.pk}/"
    waiting = client.get(response["Location"]).content.decode()
    assert '<meta http-equiv="refresh"' in waiting and 'data-status="queued"' in waiting
    assert client.get("/finance/reports/", query)["Location"] == response["Location"]
    assert ReportJob.objects.count() == 1  # asked twice, one job

    reporting.build_report_job(job_id=job.pk)  # the worker
    done = client.get(response["Location"]).content.decode()
    assert 'http-equiv="refresh"' not in done and 'data-status="done"' in done
    download_url = f"/finance/reports/jobs/{job.pk}/download/"
    assert download_url in done
    pdf = client.get(download_url)
    assert pdf.status_code == 200 and pdf["Content-Type"] == exports.PDF
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")

    reports_page = client.get("/finance/reports/").content.decode()
    assert f'href="/finance/reports/jobs/{job.pk}/"' in reports_page  # to come back to

    client.force_login(users[Role.SALES])  # may run sales reports, but not this one's file
    assert str(job.pk) not in client.get("/finance/reports/").content.decode()
    assert client.get(response["Location"]).status_code == 404
    assert client.get(download_url).status_code == 404


@pytest.mark.django_db
def test_the_reports_page_sends_a_big_file_to_the_worker_without_building_it(
    client, users, sold, one_row_inline, monkeypatch
):
    """Building the report to decide took 10 s at 1,000 sites: the page only estimates."""
    built = []
    monkeypatch.setattr(reports, "build_report", lambda *a, **kw: built.append(a))
    client.force_login(users[Role.FINANCE])
    start, end = _long_period()
    query = {"report": "sales", "start": start.isoformat(), "last": end.isoformat()}
    response = client.get("/finance/reports/", {**query, "format": "pdf"})
    assert response.status_code == 302 and ReportJob.objects.count() == 1
    assert built == []


@pytest.mark.django_db
def test_the_schema_documents_the_202_with_its_location(api, users):
    schema = api(users[Role.FINANCE]).get("/api/schema/", {"format": "json"}).json()
    answers = schema["paths"]["/api/v1/reports/{report}.{fmt}"]["get"]["responses"]
    assert answers["202"]["headers"]["Location"]
    assert answers["202"]["content"]["application/json"]["schema"]["$ref"].endswith("/ReportJob")
    assert {"200", "202"} <= set(answers)
    assert "/api/v1/report-jobs/{job_id}/download/" in schema["paths"]


@pytest.mark.django_db
def test_the_reports_page_previews_a_long_detail_by_its_size(client, users, sold, monkeypatch):
    """Given more sales than the page lists (1 here, 200 in production), when Finance reads
    the sales report on the page, then it says how many rows there are (not how many were
    fetched) and shows no partial totals, and a longer summary shows its first rows with the
    totals of all; the Excel file still has every sale."""
    monkeypatch.setattr(reports, "PREVIEW_ROWS", 1)
    client.force_login(users[Role.FINANCE])
    start, end = _long_period()
    query = {"report": "sales", "start": start.isoformat(), "last": end.isoformat()}
    page = client.get("/finance/reports/", query)
    assert page.status_code == 200
    detail = next(s for s in page.context["sections"] if s["title"] == "Sales")
    assert detail["long"] and detail["count"] == 2 and len(detail["rows"]) == 1
    assert detail["totals"] is None
    html = page.content.decode()
    assert "2 rows: take the Excel file to read them all." in html
    # a summary longer than the page lists: its first rows, with the totals of all
    by_site = next(s for s in page.context["sections"] if s["title"] == "Sales by site")
    assert by_site["cut"] and not by_site["long"] and len(by_site["rows"]) == 1
    assert by_site["count"] == 2 and by_site["totals"][1]["text"] == "2"
    assert "The first 1 of 2 rows (totals of all)" in html
    preview = reports.build_report(
        "sales", actor=users[Role.FINANCE], start=start, end=end, preview=True
    )
    full = reports.build_report("sales", actor=users[Role.FINANCE], start=start, end=end)
    assert [s.size for s in preview.sections if s.title == "Sales"] == [2]
    assert [len(s.rows) for s in full.sections if s.title == "Sales"] == [2]
    assert [s.size for s in full.sections if s.title == "Sales"] == [None]
