"""Finding 7: import files built to exhaust the server are refused quickly, with a clear 400
and nothing saved — a zip bomb of a shared string, cells at column XFD, a million rows, huge or
NUL cells — and a file's content must agree with its name."""

from __future__ import annotations

import io
import time
import tracemalloc
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from erp.assets.models import Asset

pytestmark = pytest.mark.django_db

HEADER = "type,serial_number,model\n"


def _post(client, tech, name: str, content: bytes):
    client.force_login(tech)
    tracemalloc.start()
    started = time.perf_counter()
    page = client.post("/assets/asset/import/", {"file": SimpleUploadedFile(name, content)})
    elapsed = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return page, elapsed, peak


def _error(page) -> str:
    assert page.status_code == 400
    return " ".join(page.context["form"].errors["file"])


def _workbook(fill) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(["type", "serial_number", "model"])
    fill(sheet)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_shared_string_bomb_refused_before_unpacking(client, tech):
    """A ~100 KB workbook whose shared strings unpack to 100 MB."""
    valid = _workbook(lambda sheet: sheet.append(["Router", "R-1", "x"]))
    bomb = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(valid)) as source,
        zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for part in source.infolist():
            target.writestr(part, source.read(part.filename))
        # (openpyxl writes inline strings; Excel writes this part, read whole at open.)
        with target.open("xl/sharedStrings.xml", "w") as out:
            out.write(
                b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
                b'2006/main" count="1" uniqueCount="1"><si><t>'
            )
            chunk = b"A" * (1024 * 1024)
            for _ in range(100):
                out.write(chunk)
            out.write(b"</t></si></sst>")
    content = bomb.getvalue()
    assert len(content) < 500_000
    page, elapsed, peak = _post(client, tech, "assets.xlsx", content)
    assert "unpacks to more than 25 MB" in _error(page)
    assert elapsed < 5
    assert peak < 30 * 1024 * 1024, f"{peak / 1e6:.0f} MB allocated"
    assert not Asset.objects.exists()


def test_cells_at_column_xfd_refused_quickly(client, tech):
    def far(sheet):
        for row in range(2, 2002):
            sheet.cell(row=row, column=1, value="Router")
            sheet.cell(row=row, column=2, value=f"R-{row}")
            sheet.cell(row=row, column=16384, value="x")

    content = _workbook(far)
    page, elapsed, _ = _post(client, tech, "assets.xlsx", content)
    assert "uses 16384 columns" in _error(page)
    assert elapsed < 5
    assert not Asset.objects.exists()


def test_far_cells_without_a_dimension_are_refused_too(client, tech):
    """Cells at XFD on 2,000 rows and one at column 41, with the <dimension> tag removed: the
    rows are read only one column past the import columns (no padding to XFD), and the value
    there is refused."""
    import re

    def far(sheet):
        for row in range(2, 2002):
            sheet.cell(row=row, column=1, value="Router")
            sheet.cell(row=row, column=2, value=f"R-{row}")
            sheet.cell(row=row, column=16384, value="x")
        sheet.cell(row=3, column=41, value="beyond")

    stripped = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(_workbook(far))) as source,
        zipfile.ZipFile(stripped, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for part in source.infolist():
            data = source.read(part.filename)
            if part.filename.startswith("xl/worksheets/"):
                data, found = re.subn(rb"<dimension [^>]*/>", b"", data)
                assert found == 1
            target.writestr(part, data)
    page, elapsed, _ = _post(client, tech, "assets.xlsx", stripped.getvalue())
    assert "Row 3 has values beyond column 40" in _error(page)
    assert elapsed < 5
    assert not Asset.objects.exists()


@pytest.mark.parametrize(
    "body,message",
    [
        ("Router,R-1," + "x" * 200_000 + "\n", "Line 2 of the CSV file cannot be read"),
        ("Router,R-1," + "x" * 2_000 + "\n", "Row 2 has a value longer than 1000 characters"),
        ("Router,R-\x001,x\n", "Row 2 contains a NUL character"),
        ("Router,R-1,x" + "," * 45 + "far\n", "Row 2 has values beyond column 40"),
        ("Router,R-1,x\n" * 5_001, "At most 5000 rows at a time."),
    ],
    ids=["200k-field", "long-cell", "nul", "far-column", "too-many-rows"],
)
def test_hostile_csv_refused(client, tech, body, message):
    page, elapsed, _ = _post(client, tech, "assets.csv", (HEADER + body).encode())
    assert message in _error(page)
    assert elapsed < 5
    assert not Asset.objects.exists()


def test_a_million_empty_lines_refused_quickly(client, tech):
    content = (HEADER + "Router,R-1,x\n" + "\n" * 1_000_000).encode()
    page, elapsed, _ = _post(client, tech, "assets.csv", content)
    assert "The file has more than 10000 lines." in _error(page)
    assert elapsed < 5
    assert not Asset.objects.exists()


def test_content_must_agree_with_the_name(client, tech):
    workbook = _workbook(lambda sheet: sheet.append(["Router", "R-1", "x"]))
    page, _, _ = _post(client, tech, "assets.csv", workbook)
    assert "This is an Excel file, not a CSV file" in _error(page)
    page, _, _ = _post(client, tech, "assets.xlsx", (HEADER + "Router,R-1,x\n").encode())
    assert "not a readable Excel" in _error(page)
    assert not Asset.objects.exists()
