"""`manage.py messages`: the Swahili and French catalogs, extracted and compiled one way.

`make messages` runs it after strings change; `--check` (CI, tests/i18n) says what a run would
change without touching the tree: strings marked in the code but missing from a catalog, entries
no code uses any more, entries untranslated or fuzzy, and compiled files older than their `.po`.
The compiled `.mo` files are committed so a fresh clone shows Swahili with no extra step.

The libraries our pages are made of (viewflow's lists and buttons, DRF's and Django's error
messages, django-filter, the record history, the lockout) ship no Swahili and only some French:
their strings that lack a translation in their own package live in `locale-libraries/`, the
second of LOCALE_PATHS (ours first, so our wording wins), checked the same way.
"""

from __future__ import annotations

import argparse
import gettext
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import django
import polib
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

# The languages with a catalog; English is the source text.
LANGUAGES = ("sw", "fr")
PLURAL_FORMS = {"sw": "nplurals=2; plural=(n != 1);", "fr": "nplurals=2; plural=(n > 1);"}
# Trees whose files carry marked strings (tests, benchmarks and docs read by developers only).
SOURCES = ("erp", "workflows", "analytics", "dashboards", "manage.py")
IGNORE = (
    "static/vendor/*",
    "*/static/erp/sync/idb-*.js",
    "migrations/*",
    "tests/*",
    "bench/*",
    "docs/*",
    "var/*",
    "test-artifacts/*",
    "node_modules/*",
)
DOMAINS = ("django",)
# Libraries whose strings reach our pages, by import name; Django's own catalogs are read for
# the parts of Django we show (forms, validators, sign-in and passwords), not extracted.
LIBRARIES = (
    "viewflow",
    "rest_framework",
    "django_filters",
    "simple_history",
    "axes",
    "rest_framework_simplejwt",
    "phonenumber_field",
    "rosetta",  # the translators' page
    "django_celery_beat",  # scheduled jobs, in the admin
)
DJANGO_PARTS = ("django/conf", "django/contrib/auth", "django/contrib/admin")
LIBRARY_CATALOGS = "locale-libraries"


def catalog_path(language: str, domain: str = "django", *, folder: str = "locale") -> Path:
    return Path(settings.BASE_DIR) / folder / language / "LC_MESSAGES" / f"{domain}.po"


def library_catalog_path(language: str) -> Path:
    return catalog_path(language, folder=LIBRARY_CATALOGS)


def _own_translations(package: Path, language: str) -> set[tuple[str | None, str]]:
    """The (context, msgid) a library translates itself into `language` (its .po, else .mo)."""
    folder = package / "locale" / language / "LC_MESSAGES"
    if (folder / "django.po").exists():
        catalog = polib.pofile(str(folder / "django.po"))
        entries = [e for e in catalog if e.translated() and "fuzzy" not in e.flags]
    elif (folder / "django.mo").exists():
        entries = [
            e for e in polib.mofile(str(folder / "django.mo")) if e.msgstr or e.msgstr_plural
        ]
    else:
        entries = []
    return {(e.msgctxt, e.msgid) for e in entries}


def library_strings(language: str) -> dict[tuple[str | None, str, str], polib.POEntry]:
    """Every string of LIBRARIES (extracted from their installed code, in a copy) and of
    Django's shown parts that has no `language` translation in its own package."""
    site = Path(django.__file__).parent.parent
    found: dict[tuple[str | None, str, str], polib.POEntry] = {}
    with tempfile.TemporaryDirectory(prefix="erp-libraries-") as tmp:
        sources: list[tuple[Path, Path]] = []
        for name in LIBRARIES:
            copy = Path(tmp) / name
            shutil.copytree(
                site / name, copy, ignore=shutil.ignore_patterns("locale", "__pycache__")
            )
            (copy / "locale").mkdir()
            subprocess.run(  # noqa: S603 - Django's own makemessages on a copy of the library
                [sys.executable, "-m", "django", "makemessages", "-l", "sw", "--no-location"],
                cwd=copy,
                check=True,
                capture_output=True,
                # no settings: the library alone, not our project
                env={k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"},
            )
            sources.append((copy / "locale" / "sw" / "LC_MESSAGES" / "django.po", site / name))
        for part in DJANGO_PARTS:
            sources.append(
                (site / part / "locale" / "fr" / "LC_MESSAGES" / "django.po", site / part)
            )
        for extracted, package in sources:
            own = _own_translations(package, language)
            for entry in polib.pofile(str(extracted)):
                if entry.msgid and (entry.msgctxt, entry.msgid) not in own:
                    found.setdefault(_key(entry), entry)
    return found


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


def catalog_problems(language: str, domain: str = "django", *, folder: str = "locale") -> list[str]:
    """What is wrong with one catalog on its own: untranslated, fuzzy, or a stale `.mo`."""
    path = catalog_path(language, domain, folder=folder)
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
        if not no_compile:  # (not in the copy --check extracts in: it checks them itself)
            for language in LANGUAGES:
                _update_library_catalog(language)
            call_command(
                "compilemessages",
                locale=list(LANGUAGES),
                ignore_patterns=[".venv", "var"],
                verbosity=0,
            )
        for language in LANGUAGES:
            for path in (catalog_path(language), library_catalog_path(language)):
                if not path.exists():
                    continue
                po = polib.pofile(str(path))
                self.stdout.write(
                    f"{path.relative_to(settings.BASE_DIR)}: {len(po.translated_entries())} "
                    f"translated, {len(po.untranslated_entries())} untranslated, "
                    f"{len(po.fuzzy_entries())} fuzzy"
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
                    problems += _differences(
                        wanted=fresh,
                        have=ours,
                        missing=f"{language}: not in the catalog: {{}}",
                        stale=f"{language}: no longer in the code: {{}}",
                    )
        for language in LANGUAGES:
            for domain in DOMAINS:
                problems += catalog_problems(language, domain)
            wanted = set(library_strings(language))
            path = library_catalog_path(language)
            have = {_key(e) for e in polib.pofile(str(path))} if path.exists() else set()
            problems += _differences(
                wanted=wanted,
                have=have,
                missing=f"{language}: a library string not in {LIBRARY_CATALOGS}: {{}}",
                stale=f"{language}: no library needs {{}} any more ({LIBRARY_CATALOGS})",
            )
            problems += catalog_problems(language, folder=LIBRARY_CATALOGS)
        return problems


def _differences(*, wanted: set, have: set, missing: str, stale: str) -> list[str]:
    """One line per entry a catalog lacks (``missing``) or keeps for nothing (``stale``); each
    template's ``{}`` is the entry's English, cut to 70 characters."""
    return [missing.format(repr(k[1][:70])) for k in sorted(wanted - have, key=str)] + [
        stale.format(repr(k[1][:70])) for k in sorted(have - wanted, key=str)
    ]


def _update_library_catalog(language: str) -> None:
    """Add the libraries' new strings (untranslated, for a translator), drop the ones no library
    has any more, keep every translation."""
    path = library_catalog_path(language)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        catalog = polib.pofile(str(path))
    else:
        catalog = polib.POFile()
        catalog.metadata = {
            "Content-Type": "text/plain; charset=UTF-8",
            "Language": language,
            "Plural-Forms": PLURAL_FORMS[language],
        }
    wanted = library_strings(language)
    kept = [e for e in catalog if _key(e) in wanted]
    known = {_key(e) for e in kept}
    catalog[:] = kept
    for key, entry in wanted.items():
        if key not in known:
            catalog.append(
                polib.POEntry(
                    msgctxt=entry.msgctxt,
                    msgid=entry.msgid,
                    msgid_plural=entry.msgid_plural,
                    msgstr="",
                    msgstr_plural={0: "", 1: ""} if entry.msgid_plural else {},
                    flags=[f for f in entry.flags if f.endswith("-format")],
                )
            )
    catalog.save(str(path))
