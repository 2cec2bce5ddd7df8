"""A small Swahili catalog written for a test, so a test can see text follow the language
whatever wording the translators choose in locale/."""

from __future__ import annotations

from pathlib import Path

import polib
import pytest


def write_mo(path: Path, messages: dict[str | tuple[str, str], str | list[str]]) -> None:
    """A compiled catalog: ``"msgid": "msgstr"``, or ``("singular", "plural"): [forms]``."""
    catalog = polib.POFile()
    catalog.metadata = {
        "Content-Type": "text/plain; charset=UTF-8",
        "Plural-Forms": "nplurals=2; plural=(n != 1);",
    }
    for key, value in messages.items():
        if isinstance(key, tuple):
            forms = dict(enumerate(value))
            catalog.append(polib.POEntry(msgid=key[0], msgid_plural=key[1], msgstr_plural=forms))
        else:
            catalog.append(polib.POEntry(msgid=key, msgstr=value))
    path.parent.mkdir(parents=True, exist_ok=True)
    catalog.save_as_mofile(str(path))


@pytest.fixture
def swahili(tmp_path, settings):
    """Swahili for the given messages: ``swahili({"Sites down": "Vituo visivyofanya kazi"})``.
    Changing LOCALE_PATHS makes Django drop its loaded catalogs (setting_changed)."""

    def use(messages) -> None:
        write_mo(tmp_path / "sw" / "LC_MESSAGES" / "django.mo", messages)
        settings.LOCALE_PATHS = [tmp_path, *settings.LOCALE_PATHS]

    return use
