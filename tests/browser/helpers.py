"""Steps the browser tests share."""

from __future__ import annotations

import re

import polib

from erp.core.management.commands.messages import catalog_path
from tests.conftest import PASSWORD

WORD = re.compile(r"[A-Za-z]{4,}")


def login(page, username: str, landing: str = "/dashboard/") -> None:
    """Log in through the real login form and wait for the landing page."""
    page.goto(f"{page.base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{page.base}{landing}")


def english_vocabulary() -> set[str]:
    """Words of the English source texts that the Swahili catalog never uses: one of them on a
    Swahili page is an English string left untranslated (loanwords such as "data", "SMS" or
    "hotspot" occur in Swahili texts too, so they are not counted)."""

    def words(text: str) -> set[str]:
        return {w.lower() for w in WORD.findall(text)}

    english: set[str] = set()
    swahili: set[str] = set()
    for entry in polib.pofile(str(catalog_path("sw"))):
        english |= words(entry.msgid + " " + entry.msgid_plural)
        swahili |= words(entry.msgstr + " " + " ".join(entry.msgstr_plural.values()))
    return english - swahili


def english_left(text: str, vocabulary: set[str], *, data: str = "") -> set[str]:
    """The English words in a page's visible text, apart from the test's own data (names)."""
    ours = {w.lower() for w in WORD.findall(data)}
    text = re.sub(r"\S+\.\w+/\S*", " ", text)  # addresses ("hotspot.lan/login") are not words
    return {w for w in WORD.findall(text) if w.lower() in vocabulary - ours}
