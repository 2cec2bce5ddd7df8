"""A small Swahili catalog written for a test, so a test can see text follow the language
without the project's catalogs (locale/ is the translators' and may be half done)."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest


def write_mo(path: Path, messages: dict[str | tuple[str, str], str | list[str]]) -> None:
    """A GNU .mo file: ``"msgid": "msgstr"``, or ``("singular", "plural"): [forms]``."""
    entries = {"": "Content-Type: text/plain; charset=UTF-8\nPlural-Forms: nplurals=2; "
               "plural=(n != 1);\n"}  # fmt: skip
    for key, value in messages.items():
        msgid = "\x00".join(key) if isinstance(key, tuple) else key
        entries[msgid] = "\x00".join(value) if isinstance(value, list) else value
    ids = sorted(entries)
    keys = [i.encode() for i in ids]
    values = [entries[i].encode() for i in ids]
    start = 7 * 4 + 16 * len(ids)
    key_table, offset = [], start
    for k in keys:
        key_table += [len(k), offset]
        offset += len(k) + 1
    value_table = []
    for v in values:
        value_table += [len(v), offset]
        offset += len(v) + 1
    header = struct.pack("Iiiiiii", 0x950412DE, 0, len(ids), 28, 28 + 8 * len(ids), 0, 0)
    body = struct.pack(f"{len(key_table)}i", *key_table)
    body += struct.pack(f"{len(value_table)}i", *value_table)
    body += b"".join(k + b"\x00" for k in keys) + b"".join(v + b"\x00" for v in values)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(header + body)


@pytest.fixture
def swahili(tmp_path, settings):
    """Swahili for the given messages: ``swahili({"Sites down": "Vituo visivyofanya kazi"})``.
    Changing LOCALE_PATHS makes Django drop its loaded catalogs (setting_changed)."""

    def use(messages) -> None:
        write_mo(tmp_path / "sw" / "LC_MESSAGES" / "django.mo", messages)
        settings.LOCALE_PATHS = [tmp_path, *settings.LOCALE_PATHS]

    return use
