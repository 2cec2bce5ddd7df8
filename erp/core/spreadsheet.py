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

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def as_text(value: Any) -> Any:
    """The value to write in a cell: text that would start a formula, quoted; else as is."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def text_frame(frame):
    """A copy of a pandas DataFrame with `as_text` applied to every text cell (for CSV)."""
    frame = frame.copy()
    for column in frame.columns:
        if frame[column].dtype == object or str(frame[column].dtype) in {"string", "str"}:
            frame[column] = frame[column].map(as_text)
    return frame
