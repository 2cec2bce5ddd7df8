"""The Swahili and French catalogs: complete, current, compiled, and in the glossary's words."""

from __future__ import annotations

import re
import shutil
import subprocess
from io import StringIO
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import translation

from erp.core.management.commands.messages import (
    LANGUAGES,
    LIBRARY_CATALOGS,
    catalog_path,
    catalog_problems,
)

GLOSSARY = Path(settings.BASE_DIR) / "docs" / "glossary.md"


def test_extracting_again_changes_nothing_and_every_entry_is_translated_and_compiled():
    """`make messages` on this tree would add nothing, drop nothing, and leave nothing to
    translate: a string marked in the code without its Swahili and French fails here."""
    out = StringIO()
    call_command("messages", "--check", stdout=out)
    assert "complete and up to date" in out.getvalue()


@pytest.mark.parametrize("folder", ["locale", LIBRARY_CATALOGS])
@pytest.mark.parametrize("language", LANGUAGES)
def test_msgfmt_counts_every_message_translated_with_none_fuzzy(language, folder):
    msgfmt = shutil.which("msgfmt")
    assert msgfmt, "msgfmt (Debian package gettext) is needed to check the catalogs"
    path = catalog_path(language, folder=folder)
    result = subprocess.run(  # noqa: S603 - gettext's own checker on our catalog
        [msgfmt, "--check", "--statistics", "-o", "/dev/null", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    counted = re.search(r"(\d+) translated messages?\.$", result.stderr.strip())
    assert counted, result.stderr  # "…, 3 fuzzy translations, 2 untranslated messages." fails
    entries = [e for e in polib.pofile(str(path)) if not e.obsolete]
    assert int(counted.group(1)) == len(entries) > (1000 if folder == "locale" else 50)


def test_the_check_names_untranslated_fuzzy_and_a_stale_compiled_file(tmp_path, settings):
    folder = tmp_path / "locale" / "sw" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    po = polib.POFile()
    po.metadata = {"Content-Type": "text/plain; charset=UTF-8"}
    po.append(polib.POEntry(msgid="Sell", msgstr="Uza"))
    po.save(str(folder / "django.po"))
    po.save_as_mofile(str(folder / "django.mo"))
    settings.BASE_DIR = tmp_path
    assert catalog_problems("sw") == []

    po.append(polib.POEntry(msgid="Voucher", msgstr=""))
    po.append(polib.POEntry(msgid="Sale", msgstr="Mauzo", flags=["fuzzy"]))
    po[0].msgstr = "Uza sasa"
    po.save(str(folder / "django.po"))
    problems = catalog_problems("sw")
    assert any("untranslated: 'Voucher'" in p for p in problems)
    assert any("fuzzy: 'Sale'" in p for p in problems)
    assert any("older than its .po" in p for p in problems)


def _glossary() -> list[tuple[str, str, str]]:
    rows = []
    for line in GLOSSARY.read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 4 and cells[0] and not set(cells[0]) <= {"-"} and cells[0] != "English":
            rows.append((cells[0], cells[1], cells[2]))
    return rows


def _stems(cell: str) -> set[str]:
    """The glossary's forms of a word, singular and the plural in brackets ("kifurushi
    (vifurushi)"), cut to five letters so "vocha" matches "Vocha" and "vocha zote"."""
    return {word[:5].lower() for word in re.findall(r"\w+", cell)}


@pytest.mark.parametrize(
    "english",
    ["voucher", "agent", "package", "sale", "commission", "receipt", "fault", "technician"],
)
def test_the_catalogs_use_the_glossary_words(english):
    """Where a catalog translates a glossary word on its own ("Voucher", "vouchers"), it uses
    the glossary's word: an agent reads one word on the phone, the receipt and the SMS."""
    row = next(r for r in _glossary() if r[0].split(" (")[0] == english)
    for language, word in zip(LANGUAGES, row[1:], strict=True):
        stems = _stems(word)
        po = polib.pofile(str(catalog_path(language)))
        alone = [e for e in po if e.msgid.lower().rstrip("s") == english and not e.msgctxt]
        assert alone, f"no entry for {english!r} alone"
        for entry in alone:
            text = entry.msgstr_plural[0] if entry.msgid_plural else entry.msgstr
            assert any(stem in text.lower() for stem in stems), (language, entry.msgid, text)


@pytest.mark.parametrize(
    "english",
    [
        "Vouchers",  # ours
        "This field is required.",  # Django's forms (its own Swahili catalog)
        "Authentication credentials were not provided.",  # DRF: no Swahili of its own
        "Unassign",  # viewflow's task pages: no Swahili of its own
    ],
)
def test_the_active_language_reads_ours_and_the_libraries_catalogs(english):
    for language in LANGUAGES:
        with translation.override(language):
            assert translation.gettext(english) != english, (language, english)
