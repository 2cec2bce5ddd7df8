"""A report file the worker builds reads in its requester's language: the sheet and column
titles of the Excel file, and the PDF read back with pdftotext."""

from __future__ import annotations

import io
import shutil
import subprocess
from datetime import timedelta

import pytest
from django.utils import timezone, translation
from openpyxl import load_workbook

from analytics import services as reporting
from erp.accounts.roles import Role

pytestmark = pytest.mark.django_db


def _swahili(user):
    user.language = "sw"
    user.save(update_fields=["language"])
    return user


def _period():
    today = timezone.localdate()
    return today, today + timedelta(days=1)


def test_a_report_the_worker_builds_is_in_its_requesters_language(users, sold):
    finance_user = _swahili(users[Role.FINANCE])
    start, end = _period()
    job, _ = reporting.request_report_job(
        actor=finance_user, report="sales", fmt="xlsx", start=start, end=end
    )
    with translation.override("en"):  # the worker's own language
        job = reporting.build_report_job(job_id=job.pk)
    assert job.status == "done", job.error
    with job.file.open("rb") as handle:
        workbook = load_workbook(io.BytesIO(handle.read()))
    headings = {
        cell
        for ws in workbook.worksheets
        for row in ws.iter_rows(max_row=3, values_only=True)
        for cell in row
        if isinstance(cell, str)
    }
    with translation.override("sw"):
        assert translation.gettext("Seller") in headings  # "Muuzaji"
        assert translation.gettext("Seller") != "Seller"
    assert "Seller" not in headings


def test_a_pdf_report_in_swahili_reads_back_in_swahili(users, sold):
    finance_user = _swahili(users[Role.FINANCE])
    start, end = _period()
    job, _ = reporting.request_report_job(
        actor=finance_user, report="sales", fmt="pdf", start=start, end=end
    )
    job = reporting.build_report_job(job_id=job.pk)
    assert job.status == "done", job.error
    with job.file.open("rb") as handle:
        pdf = handle.read()
    tool = shutil.which("pdftotext")
    assert tool, "pdftotext (Debian package poppler-utils) reads the PDF back"
    text = subprocess.run(  # noqa: S603 - poppler's pdftotext on our own file
        [tool, "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    with translation.override("sw"):
        for english in ("Seller", "Amount", "Site"):
            assert translation.gettext(english) in text, english
    assert "Seller" not in text
