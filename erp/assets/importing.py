"""Reading an asset import file (CSV or Excel) into rows of strings.

Validation is the services' own (``services.import_assets`` runs ``create_asset`` on every row
in one transaction), so an imported asset obeys exactly the rules of one added by hand.
"""

from __future__ import annotations

import csv
import datetime as dt
import io

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

COLUMNS = (
    "type",
    "serial_number",
    "model",
    "vendor",
    "mac_address",
    "purchase_date",
    "purchase_cost",
    "supplier",
    "warranty_end",
    "condition",
    "site",
    "location_note",
    "notes",
)
MAX_ROWS = 5000
MAX_BYTES = 5 * 1024 * 1024


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_rows(name: str, content: bytes) -> list[dict[str, str]]:
    """The file's rows as dicts of the known columns (header names are matched without case
    or spaces); ValidationError for an unreadable file, unknown columns or too many rows."""
    if len(content) > MAX_BYTES:
        raise ValidationError(_("The file is larger than 5 MB."))
    if name.lower().endswith((".xlsx", ".xlsm")):
        table = _xlsx(content)
    elif name.lower().endswith(".csv"):
        table = _csv(content)
    else:
        raise ValidationError(_("Upload a .csv or .xlsx file."))
    table = [row for row in table if any(_cell(c) for c in row)]
    if not table:
        raise ValidationError(_("The file is empty."))
    header = [_cell(h).lower().replace(" ", "_") for h in table[0]]
    unknown = [h for h in header if h and h not in COLUMNS]
    if unknown:
        raise ValidationError(
            _("Unknown columns: %(cols)s. Use: %(known)s.")
            % {"cols": ", ".join(unknown), "known": ", ".join(COLUMNS)}
        )
    for required in ("type", "serial_number"):
        if required not in header:
            raise ValidationError(_("The column %(col)s is missing.") % {"col": required})
    if len(table) - 1 > MAX_ROWS:
        raise ValidationError(_("At most %(n)d rows at a time.") % {"n": MAX_ROWS})
    rows = []
    for cells in table[1:]:
        row = dict.fromkeys(COLUMNS, "")
        for col, value in zip(header, cells, strict=False):
            if col:
                row[col] = _cell(value)
        rows.append(row)
    return rows


def _csv(content: bytes) -> list[list]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError(_("Save the CSV file as UTF-8.")) from None
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    return list(csv.reader(io.StringIO(text), dialect))


def _xlsx(content: bytes) -> list[list]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - any unreadable workbook is the same answer to the user
        raise ValidationError(_("This is not a readable Excel (.xlsx) file.")) from None
    sheet = workbook.worksheets[0]
    rows = [list(r) for r in sheet.iter_rows(values_only=True, max_row=MAX_ROWS + 2)]
    workbook.close()
    return rows
