"""Texts written by background work and read later by people in their own languages.

A worker writes "the router is unreachable" into a batch at 03:00, in no one's language; a
Swahili-speaking agent and a French-speaking manager read it the next day. So such a text is
kept as its message id and parameters (`Text`), stored by `ReaderTextField` as a small JSON
document, and translated each time it is turned into a string: in a template, a serializer, a
PDF, a log line. Plain strings (an operator's note, a provider's own answer, rows written before
this field existed) are stored and read back unchanged.

Write one with the message marked for extraction:

    batch.last_error = Text(gettext_noop("No answer from %(router)s."), router=router.name)

`Text` is a `str` (its value is the text in the language active when it was made), so code that
compares, tests or logs it keeps working; `str(text)`, `%s` and f-strings translate it again
into the language active then.
"""

from __future__ import annotations

import json
from typing import Any

from django.db import models
from django.utils.translation import gettext

# A stored Text starts with this; a plain text that happens to start so and is not our JSON is
# read back as plain text.
_MARK = '{"t":'


def _render(msgid: str, params: dict[str, Any]) -> str:
    translated = gettext(msgid)
    if not params:
        return translated
    values = {
        key: str(value) if isinstance(value, Text) else value for key, value in params.items()
    }
    try:
        return translated % values
    except (KeyError, ValueError, TypeError):
        pass  # a translation whose placeholders do not match: the original is right by definition
    try:
        return msgid % values
    except (KeyError, ValueError, TypeError):
        return msgid  # parameters stored by an older text: say what we can


def _param(value: Any) -> Any:
    """A parameter kept as it can be stored: nested Texts stay Texts, numbers stay numbers."""
    if isinstance(value, Text):
        return value
    if isinstance(value, BaseException):
        return text_of(value)
    if isinstance(value, bool | int | float):
        return value
    return str(value)  # Decimal, dates, model instances: as they read now


class Text(str):
    """A message id and its parameters, read in the language of whoever reads it."""

    msgid: str
    params: dict[str, Any]

    def __new__(cls, msgid: str, /, **params: Any) -> Text:
        kept = {key: _param(value) for key, value in params.items()}
        obj = super().__new__(cls, _render(msgid, kept))
        obj.msgid = msgid
        obj.params = kept
        return obj

    def __str__(self) -> str:
        return _render(self.msgid, self.params)

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)

    def __repr__(self) -> str:
        return f"Text({self.msgid!r}, {self.params!r})"

    def __reduce__(self) -> tuple:
        return (_rebuild, (self.msgid, self.params))

    def as_data(self) -> dict[str, Any]:
        """What is stored: {"t": msgid, "p": {name: value or nested data}}."""
        data: dict[str, Any] = {"t": self.msgid}
        if self.params:
            data["p"] = {
                key: value.as_data() if isinstance(value, Text) else value
                for key, value in self.params.items()
            }
        return data

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Text:
        params = {
            key: cls.from_data(value) if isinstance(value, dict) else value
            for key, value in (data.get("p") or {}).items()
        }
        return cls(data["t"], **params)

    def stored(self) -> str:
        return json.dumps(self.as_data(), ensure_ascii=False, separators=(",", ":"))


def _rebuild(msgid: str, params: dict[str, Any]) -> Text:
    return Text(msgid, **params)


def text_of(value: Any) -> str:
    """The Text an exception (or value) carries, else its plain string: keep it when passing an
    error's message on, since `str(exc)` would fix it in the language active now."""
    if isinstance(value, BaseException):
        carried = value.args[0] if len(value.args) == 1 else None
        return carried if isinstance(carried, Text) else str(value)
    return value if isinstance(value, str) else str(value)


def from_stored(value: str | None) -> str | None:
    """A stored value read back: our JSON as a Text, anything else as it is."""
    if not value or not value.startswith(_MARK):
        return value
    try:
        data = json.loads(value)
        return Text.from_data(data) if isinstance(data, dict) and "t" in data else value
    except (ValueError, TypeError, KeyError):
        return value


def to_stored(value: Any, max_length: int | None) -> Any:
    """A Text as JSON, cut to fit: the longest parameters are shortened first, and a text that
    still does not fit is kept as it reads now (plain text), never cut mid-JSON."""
    if isinstance(value, Text):
        stored = value.stored()
        if max_length is None or len(stored) <= max_length:
            return stored
        shortened = _shortened(value, max_length)
        if shortened is not None:
            return shortened
        return str(value)[:max_length]
    if isinstance(value, str) and max_length is not None:
        return value[:max_length]
    return value


def _shortened(text: Text, max_length: int) -> str | None:
    params = dict(text.params)
    for _attempt in range(8):
        longest = max(
            (key for key, value in params.items() if isinstance(value, str)),
            key=lambda key: len(params[key]),
            default=None,
        )
        if longest is None:
            return None
        excess = len(Text(text.msgid, **params).stored()) - max_length
        value = str(params[longest])
        keep = max(0, len(value) - excess - 1)
        params[longest] = value[:keep] + "…"
        stored = Text(text.msgid, **params).stored()
        if len(stored) <= max_length:
            return stored
    return None


class _ReaderText:
    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        return from_stored(value)

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str):
            return from_stored(value)
        return super().to_python(value)  # type: ignore[misc]

    def get_prep_value(self, value: Any) -> Any:
        return to_stored(super().get_prep_value(value), self.max_length)  # type: ignore[misc]


class ReaderTextField(_ReaderText, models.CharField):
    """A CharField for texts the system writes for people: holds a `Text` (translated when
    read) or plain text; cut to max_length instead of failing, since an error message must
    never be the reason its record cannot be saved."""


class ReaderLongTextField(_ReaderText, models.TextField):
    """The TextField kind of `ReaderTextField`."""
