"""Reports as files: Excel (typed cells, number formats, totals, a sheet a section) and PDF
(A4 with a header, page numbers and totals).

Both render a `reports.Report`, the same object the screen shows, so a figure never differs
between the page, the workbook and the printout.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from erp.core import formats
from erp.core.pdf import render_pdf
from erp.core.spreadsheet import as_text

from .reports import Column, Report, Section

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF = "application/pdf"
FORMATS = {"xlsx": XLSX, "pdf": PDF}
NUMBER_FORMATS = {
    "int": "#,##0",
    "date": "yyyy-mm-dd",
    "datetime": "yyyy-mm-dd hh:mm",
}
# A detail table longer than this is left out of the PDF (it would be hundreds of pages);
# the PDF says so and the Excel file has every row.
PDF_MAX_ROWS = 2000


def money_format() -> str:
    """Excel's money format with the currency's decimals: "#,##0" for shillings and CFA
    francs (Excel itself shows the reader's separators)."""
    places = formats.currency_format()["places"]
    return "#,##0" + ("." + "0" * places if places else "")


def _heading(column: Column) -> str:
    return f"{column.title} ({settings.CURRENCY})" if column.kind == "money" else str(column.title)


def _sheet_title(title: str, taken: set[str]) -> str:
    """Excel sheet names: at most 31 characters, none of []:*?/\\ and unique."""
    base = re.sub(r"[\[\]:*?/\\]", " ", str(title))[:31] or _("Sheet")
    name, n = base, 2
    while name.lower() in taken:
        suffix = f" {n}"
        name, n = base[: 31 - len(suffix)] + suffix, n + 1
    taken.add(name.lower())
    return name


def _write_section(wb: Workbook, section: Section, taken: set[str]) -> None:
    ws = wb.create_sheet(_sheet_title(section.title, taken))
    for index, column in enumerate(section.columns, start=1):
        width = 20 if column.kind in {"money", "datetime"} else 14 if column.kind != "text" else 22
        ws.column_dimensions[get_column_letter(index)].width = width
    ws.freeze_panes = "A2"

    def cell(value, column: Column | None = None, bold: bool = False) -> WriteOnlyCell:
        """A cell of the code's own (headings, SUM totals): written as given."""
        c = WriteOnlyCell(ws, value=str(value) if isinstance(value, Promise) else value)
        if column is not None and column.kind == "money":
            c.number_format = money_format()
        elif column is not None and column.kind in NUMBER_FORMATS:
            c.number_format = NUMBER_FORMATS[column.kind]
        if bold:
            c.font = Font(bold=True)
        return c

    ws.append([cell(_heading(c), bold=True) for c in section.columns])
    for row in section.rows:
        # Row values may hold user text (names, references, payees): never a formula.
        ws.append([cell(as_text(v), c) for v, c in zip(row, section.columns, strict=True)])
    if section.totals() is not None and section.rows:
        last = len(section.rows) + 1
        total_row = []
        for index, column in enumerate(section.columns, start=1):
            if column.total:
                letter = get_column_letter(index)
                total_row.append(cell(f"=SUM({letter}2:{letter}{last})", column, bold=True))
            else:
                total_row.append(cell(_("Total") if index == 1 else None, bold=True))
        ws.append(total_row)


def workbook(report: Report) -> bytes:
    """The report as .xlsx; written row by row (write-only mode) so a long month stays light."""
    wb = Workbook(write_only=True)
    taken: set[str] = set()
    for section in report.sections:
        _write_section(wb, section, taken)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _display(value, column: Column) -> str:
    """As the reader's language writes it (erp.core.formats): "176,120" for shillings (no
    decimals; the heading names the currency), "176 120" in French, localised dates."""
    if value is None or value == "":
        return ""
    if column.kind == "money":
        return formats.money(Decimal(value))
    if column.kind == "int":
        return formats.number(value)
    if isinstance(value, dt.datetime):
        return formats.date_time(value)
    if isinstance(value, dt.date):
        return formats.date(value)
    return str(value)


def _cells(row: list, columns: list[Column]) -> list[dict]:
    return [
        {"text": _display(v, c), "num": c.kind in {"money", "int"}}
        for v, c in zip(row, columns, strict=True)
    ]


def render_rows(section: Section, limit: int | None = None) -> dict:
    """A section with every value formatted for reading, for the screen and the PDF; with
    ``limit`` only its first rows are formatted (the totals stay those of every row)."""
    cols = section.columns
    totals = section.totals()
    return {
        "title": section.title,
        "columns": [{"title": _heading(c), "numeric": c.kind in {"money", "int"}} for c in cols],
        "rows": [
            {"cells": _cells(row, cols), "flag": bool(section.flag and section.flag(row))}
            for row in section.rows[:limit]
        ],
        # a preview's totals would be of its first rows only: none
        "totals": _cells(totals, cols) if totals and section.size is None else None,
        "count": len(section.rows) if section.size is None else section.size,
    }


def _css_string(value: str) -> str:
    """A quoted CSS string for page headers (which live in <style>, where HTML escaping does
    not apply): backslash, quote, newline and '<' escaped, so no name can end the style."""
    escaped = "".join(f"\\{ord(ch):x} " if ch in '\\"<>\n\r' else ch for ch in str(value))
    return f'"{escaped}"'


def pdf(report: Report) -> bytes:
    """The report laid out for A4 (landscape: the sales table is wide), header on every page."""
    sections = []
    for section in report.sections:
        if section.detail and len(section.rows) > PDF_MAX_ROWS:
            sections.append({"title": section.title, "omitted": len(section.rows)})
        else:
            sections.append(render_rows(section))
    html = render_to_string(
        "finance/report_pdf.html",
        {
            "report": report,
            "sections": sections,
            "organisation": settings.ORGANISATION_NAME,
            "css_title": _css_string(f"{settings.ORGANISATION_NAME} · {report.title}"),
            "css_period": _css_string(f"{report.start} – {report.last_day}"),
            "css_generated": _css_string(
                f"{timezone.localtime(report.generated_at):%Y-%m-%d %H:%M} · {report.generated_by}"
            ),
            "max_rows": PDF_MAX_ROWS,
        },
    )
    return render_pdf(html)


def render(report: Report, fmt: str) -> tuple[bytes, str, str]:
    """(content, content type, file name) of the report in `fmt` (xlsx or pdf)."""
    content = workbook(report) if fmt == "xlsx" else pdf(report)
    return content, FORMATS[fmt], f"{report.filename_stem}.{fmt}"
