"""`manage.py messages`: the Swahili and French catalogs, extracted and compiled one way.

`make messages` runs it after strings change; `--check` (CI, tests/i18n) says what a run would
change without touching the tree: strings marked in the code but missing from a catalog, entries
no code uses any more, entries untranslated or fuzzy, and compiled files older than their `.po`.
The compiled `.mo` files are committed so a fresh clone shows Swahili with no extra step.
"""

from __future__ import annotations

import argparse
import gettext
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import polib
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

# The languages with a catalog; English is the source text.
LANGUAGES = ("sw", "fr")
# Trees whose files carry marked strings (tests, benchmarks and docs read by developers only).
SOURCES = ("erp", "workflows", "analytics", "dashboards", "manage.py")
IGNORE = ("static/vendor/*", "*/static/erp/sync/idb-*.js", "migrations/*")
DOMAINS = ("django",)


def catalog_path(language: str, domain: str = "django") -> Path:
    return Path(settings.BASE_DIR) / "locale" / language / "LC_MESSAGES" / f"{domain}.po"


def _key(entry: polib.POEntry) -> tuple[str | None, str, str]:
    return (entry.msgctxt, entry.msgid, entry.msgid_plural or "")


def _extract(root: Path) -> None:
    """Run makemessages as `make messages` does, in `root` (the project or a copy of it)."""
    for domain in DOMAINS:
        call_command(
            "makemessages",
            locale=list(LANGUAGES),
            domain=domain,
            ignore_patterns=list(IGNORE),
            add_location="file",  # file names without line numbers: no churn when code moves
            no_obsolete=True,
            verbosity=0,
        )


def catalog_problems(language: str, domain: str = "django") -> list[str]:
    """What is wrong with one catalog on its own: untranslated, fuzzy, or a stale `.mo`."""
    path = catalog_path(language, domain)
    if not path.exists():
        return [f"{path} is missing: run `make messages`"]
    po = polib.pofile(str(path))
    problems = [
        f"{language}: untranslated: {entry.msgid[:70]!r}" for entry in po.untranslated_entries()
    ]
    problems += [f"{language}: fuzzy: {entry.msgid[:70]!r}" for entry in po.fuzzy_entries()]
    mo = path.with_suffix(".mo")
    if not mo.exists():
        return [*problems, f"{mo} is missing: run `make messages`"]
    with mo.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)._catalog  # noqa: SLF001 - the raw table
    for entry in po.translated_entries():
        key = f"{entry.msgctxt}\x04{entry.msgid}" if entry.msgctxt else entry.msgid
        if entry.msgid_plural:
            stale = any(compiled.get((key, n)) != text for n, text in entry.msgstr_plural.items())
        else:
            stale = compiled.get(key) != entry.msgstr
        if stale:
            problems.append(f"{mo} is older than its .po: run `make messages`")
            break
    return problems


class Command(BaseCommand):
    help = (
        "Extract the marked strings into locale/sw and locale/fr and compile them "
        "(--check: only say what a run would change)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--check",
            action="store_true",
            help="change nothing; exit 1 if the catalogs are not complete and up to date",
        )
        parser.add_argument("--no-compile", action="store_true", help=argparse.SUPPRESS)

    def handle(self, *args, check: bool, no_compile: bool, **options):
        if check:
            problems = self._check()
            for problem in problems:
                self.stdout.write(problem)
            if problems:
                raise CommandError(
                    f"{len(problems)} problems in the catalogs; run `make messages` and translate"
                )
            self.stdout.write(self.style.SUCCESS("The catalogs are complete and up to date."))
            return
        _extract(Path(settings.BASE_DIR))
        if not no_compile:
            call_command(
                "compilemessages",
                locale=list(LANGUAGES),
                ignore_patterns=[".venv", "var"],
                verbosity=0,
            )
        for language in LANGUAGES:
            po = polib.pofile(str(catalog_path(language)))
            self.stdout.write(
                f"{language}: {len(po.translated_entries())} translated, "
                f"{len(po.untranslated_entries())} untranslated, {len(po.fuzzy_entries())} fuzzy"
            )

    def _check(self) -> list[str]:
        """Extract into a copy of the sources and compare it with the committed catalogs."""
        base = Path(settings.BASE_DIR)
        problems: list[str] = []
        with tempfile.TemporaryDirectory(prefix="erp-messages-") as tmp:
            copy = Path(tmp)
            for name in SOURCES:
                source = base / name
                if source.is_dir():
                    shutil.copytree(
                        source, copy / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
                    )
                else:
                    shutil.copy2(source, copy / name)
            shutil.copytree(base / "locale", copy / "locale")
            subprocess.run(  # noqa: S603 - our own manage.py, in a copy of the tree
                [sys.executable, "manage.py", "messages", "--no-compile"],
                cwd=copy,
                check=True,
                capture_output=True,
            )
            for language in LANGUAGES:
                for domain in DOMAINS:
                    ours = {_key(e) for e in polib.pofile(str(catalog_path(language, domain)))}
                    fresh = {
                        _key(e)
                        for e in polib.pofile(
                            str(copy / "locale" / language / "LC_MESSAGES" / f"{domain}.po")
                        )
                    }
                    problems += [
                        f"{language}: not in the catalog: {k[1][:70]!r}"
                        for k in sorted(fresh - ours, key=str)
                    ]
                    problems += [
                        f"{language}: no longer in the code: {k[1][:70]!r}"
                        for k in sorted(ours - fresh, key=str)
                    ]
        for language in LANGUAGES:
            for domain in DOMAINS:
                problems += catalog_problems(language, domain)
        return problems
