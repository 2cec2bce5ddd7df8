"""The language a piece of work is done in when no request chose it (Celery tasks, e-mails,
notifications): the reader's. A report built by the worker for a Swahili-speaking manager, or
a notification for a French-speaking technician, reads in their language, not the worker's."""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any

from django.conf import settings
from django.utils import translation


def language_of(person: Any) -> str:
    """The person's chosen language (User.language, Client.language), else the installation's."""
    chosen = getattr(person, "language", "") or ""
    codes = {code for code, _name in settings.LANGUAGES}
    return chosen if chosen in codes else settings.LANGUAGE_CODE


def active_language() -> str:
    """The active language's code without its region ("fr-FR" → "fr"), English when none."""
    return (translation.get_language() or "en").split("-")[0]


def in_language_of(person: Any) -> AbstractContextManager:
    """`with in_language_of(user): …` renders gettext strings, dates and money in their language."""
    return translation.override(language_of(person))
