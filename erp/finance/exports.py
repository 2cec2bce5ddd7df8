"""Excel exports of finance reports: typed cells, number formats, totals, a sheet a section.

They call the same report functions as the API, so a figure on screen and in a file agree.
"""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

from django.conf import settings
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from .choices import ExpenseStatus
from .models import Expense
from .services import profit_by_site

MONEY = "#,##0.00"


def _sheet(
    wb: Workbook,
    title: str,
    header: list[str],
    rows: list[list],
    money_cols: set[int],
    total_cols: set[int],
) -> None:
    ws = wb.create_sheet(title)
    ws.append(header)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append(row)
    if rows and total_cols:
        last = len(rows) + 1
        total_row = ["Total"] + [None] * (len(header) - 1)
        for col in total_cols:
            letter = get_column_letter(col)
            total_row[col - 1] = f"=SUM({letter}2:{letter}{last})"
        ws.append(total_row)
        for cell in ws[ws.max_row]:
            cell.font = Font(bold=True)
    for col in money_cols:
        for cell in ws[get_column_letter(col)][1:]:
            cell.number_format = MONEY
    for index, _name in enumerate(header, start=1):
        ws.column_dimensions[get_column_letter(index)].width = 18
    ws.freeze_panes = "A2"


def profit_workbook(*, start: dt.date, end: dt.date) -> bytes:
    """Profit per site, and the approved expenses behind it, for start ≤ day < end."""
    wb = Workbook()
    wb.remove(wb.active)
    currency = settings.CURRENCY
    rows = profit_by_site(start=start, end=end)
    _sheet(
        wb,
        "Profit",
        ["Site", f"Revenue ({currency})", "Refunds", "Commission", "Expenses", "Profit"],
        [
            [r["name"], r["revenue"], r["refunds"], r["commission"], r["expenses"], r["profit"]]
            for r in rows
        ],
        money_cols={2, 3, 4, 5, 6},
        total_cols={2, 3, 4, 5, 6},
    )
    expenses = (
        Expense.objects.filter(status=ExpenseStatus.APPROVED, spent_on__gte=start, spent_on__lt=end)
        .select_related("site")
        .order_by("spent_on")
    )
    _sheet(
        wb,
        "Expenses",
        ["Date", "Site", "Category", "Paid to", f"Amount ({currency})", "Note"],
        [
            [
                e.spent_on,
                e.site.name if e.site_id else "Head office",
                e.get_category_display(),
                e.payee,
                Decimal(e.amount),
                e.note,
            ]
            for e in expenses
        ],
        money_cols={5},
        total_cols={5},
    )
    for cell in wb["Expenses"]["A"][1:]:
        cell.number_format = "yyyy-mm-dd"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
