"""User text in spreadsheets (Excel exports, CSV downloads) stays text.

A cell whose text starts with `=`, `+`, `-`, `@`, a tab or a carriage return is read by Excel,
LibreOffice and Google Sheets as a formula (`=HYPERLINK(...)` in a client's name, a payment
reference or a payee would run when the file is opened). The one rule, everywhere: such text
gets a leading single quote, the OWASP advice for CSV and the same for .xlsx (openpyxl would
otherwise store it as a formula). Only strings are touched: numbers, money and dates stay
numbers, money and dates, and formulas the code itself writes (SUM totals) are left alone by
not passing them through here.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from .formats import csv_value

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def as_text(value: Any) -> Any:
    """The value to write in a cell: text that would start a formula, quoted; else as is. A
    stored `erp.core.texts.Text` is written in the file's language (str() translates it)."""
    if isinstance(value, str):
        value = str(value)
        if value.startswith(FORMULA_STARTS):
            return "'" + value
    return value


def text_frame(frame):
    """A copy of a pandas DataFrame for CSV: `as_text` on every text cell, times in local time
    (the site's time zone, without offset: what the user's clock said, issue 23)."""
    frame = frame.copy()
    zone = timezone.get_current_timezone()
    for column in frame.columns:
        series = frame[column]
        if getattr(getattr(series.dtype, "tz", None), "utcoffset", None) is not None:
            frame[column] = series.dt.tz_convert(zone).dt.tz_localize(None)
        elif series.dtype == object or str(series.dtype) in {"string", "str"}:
            frame[column] = series.map(lambda value: as_text(csv_value(value)))
    return frame
