"""Reading an asset import file (CSV or Excel) into rows of strings.

Validation is the services' own (``services.import_assets`` runs ``create_asset`` on every row
in one transaction), so an imported asset obeys exactly the rules of one added by hand.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile

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
# Bounds checked before (or while) reading, so a crafted file cannot hold a worker: an xlsx is
# a zip whose parts may unpack to gigabytes (one 200 MB shared string), whose cells may sit at
# column XFD (openpyxl pads every row to it), and a CSV may hold a million rows or one huge
# field. Nothing reaches the services unless the file is within them.
MAX_COLUMNS = 40
MAX_CELL_CHARS = 1000
MAX_UNPACKED_BYTES = 25 * 1024 * 1024
MAX_ZIP_PARTS = 200
ZIP_MAGIC = b"PK\x03\x04"


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
    # The name says what the user meant; the content must agree (a zip is a workbook, a CSV
    # is text).
    if name.lower().endswith((".xlsx", ".xlsm")):
        if not content.startswith(ZIP_MAGIC):
            raise ValidationError(_("This is not a readable Excel (.xlsx) file."))
        table = _xlsx(content)
    elif name.lower().endswith(".csv"):
        if content.startswith(ZIP_MAGIC):
            raise ValidationError(_("This is an Excel file, not a CSV file: name it .xlsx."))
        table = _csv(content)
    else:
        raise ValidationError(_("Upload a .csv or .xlsx file."))
    table = _bounded(table)
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
    rows = []
    for cells in table[1:]:
        row = dict.fromkeys(COLUMNS, "")
        for col, value in zip(header, cells, strict=False):
            if col:
                row[col] = _cell(value)
        rows.append(row)
    return rows


def _bounded(table) -> list[list]:
    """The non-empty rows, refusing (as soon as it is seen) too many rows, a value beyond the
    known columns, a cell too long or a NUL character."""
    rows = []
    for number, row in enumerate(table, start=1):
        if number > 2 * MAX_ROWS:  # blank lines count too: a million of them is no import
            raise ValidationError(_("The file has more than %(n)d lines.") % {"n": 2 * MAX_ROWS})
        cells = list(row)
        if any(_cell(c) for c in cells[MAX_COLUMNS:]):
            raise ValidationError(
                _("Row %(row)d has values beyond column %(n)d: use only the import columns.")
                % {"row": number, "n": MAX_COLUMNS}
            )
        cells = cells[:MAX_COLUMNS]
        for value in cells:
            if isinstance(value, str) and len(value) > MAX_CELL_CHARS:
                raise ValidationError(
                    _("Row %(row)d has a value longer than %(n)d characters.")
                    % {"row": number, "n": MAX_CELL_CHARS}
                )
            if isinstance(value, str) and "\x00" in value:
                raise ValidationError(
                    _("Row %(row)d contains a NUL character (\\x00): remove it.") % {"row": number}
                )
        if not any(_cell(c) for c in cells):
            continue
        rows.append(cells)
        if len(rows) - 1 > MAX_ROWS:
            raise ValidationError(_("At most %(n)d rows at a time.") % {"n": MAX_ROWS})
    return rows


def _csv(content: bytes):
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError(_("Save the CSV file as UTF-8.")) from None
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    while True:
        try:
            yield next(reader)
        except StopIteration:
            return
        except csv.Error:  # a field over csv's own limit (128 KB), a broken quote
            raise ValidationError(
                _(
                    "Line %(line)d of the CSV file cannot be read (a value too long or a broken "
                    "quote)."
                )
                % {"line": reader.line_num}
            ) from None


def _check_zip(content: bytes) -> None:
    """Refuse a workbook whose parts unpack beyond MAX_UNPACKED_BYTES, read from the zip's
    directory before anything is unpacked (zipfile never unpacks more than a part's declared
    size, so a lying directory only truncates the part and openpyxl fails to read it)."""
    try:
        parts = zipfile.ZipFile(io.BytesIO(content)).infolist()
    except (zipfile.BadZipFile, ValueError):
        raise ValidationError(_("This is not a readable Excel (.xlsx) file.")) from None
    unpacked = sum(part.file_size for part in parts)
    if len(parts) > MAX_ZIP_PARTS or unpacked > MAX_UNPACKED_BYTES:
        raise ValidationError(
            _(
                "This workbook unpacks to more than %(mb)d MB: import at most %(rows)d rows of the "
                "import columns."
            )
            % {"mb": MAX_UNPACKED_BYTES // (1024 * 1024), "rows": MAX_ROWS}
        )


def _xlsx(content: bytes):
    # Heavy, and only an import needs it: loaded on first use.
    from openpyxl import load_workbook  # noqa: PLC0415

    _check_zip(content)
    unreadable = _("This is not a readable Excel (.xlsx) file.")
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - any unreadable workbook is the same answer to the user
        raise ValidationError(unreadable) from None
    try:
        sheet = workbook.worksheets[0]
        # The sheet's declared extent (<dimension>): values far to the right are refused here,
        # since the rows below are read only up to one column past the import columns.
        if (sheet.max_column or 0) > MAX_COLUMNS:
            raise ValidationError(
                _("The sheet uses %(used)d columns: keep only the import columns (at most %(n)d).")
                % {"used": sheet.max_column, "n": MAX_COLUMNS}
            )
        # One column past MAX_COLUMNS is read (to refuse values there); rows are never padded
        # out to a far column such as XFD.
        yield from sheet.iter_rows(values_only=True, max_row=MAX_ROWS + 2, max_col=MAX_COLUMNS + 1)
    except ValidationError:
        raise
    except Exception:  # noqa: BLE001 - a part that breaks while read: the same answer
        raise ValidationError(unreadable) from None
    finally:
        workbook.close()
