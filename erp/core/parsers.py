"""Request parsers for the API (a module of its own: DRF imports it while loading settings)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.parsers import JSONParser

from .middleware import too_long, too_long_message


class SafeJSONParser(JSONParser):
    """DRF's JSON parser, with JSON nested deeper than Python's recursion limit (an array of a
    hundred thousand brackets) refused as a 400 instead of a RecursionError and a 500, and a
    string longer than its field may be refused as a 400 naming the field."""

    check_text_lengths = True

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise exceptions.ParseError(_("JSON parse error - nested too deeply.")) from None
        if self.check_text_lengths:
            _check_text_lengths(data)
        return data


class PerItemTextsJSONParser(SafeJSONParser):
    """For a body that is a list of independent items (the field app's push): the view checks
    each item's texts itself (`first_too_long`) and refuses that item alone. Refusing the whole
    body for one long note would refuse it again at every retry, and the phone's queue behind
    it would never be sent. The body's size is still limited by the view."""

    check_text_lengths = False


# A field name longer than this is no field of ours (a key can be as long as a value).
MAX_KEY_CHARS = 100


def first_too_long(data, path: str = "") -> str | None:
    """The first string value (or key) in ``data`` longer than its field may be, as a message
    that names where it is (``payload.fields.notes: …``); None if every one fits."""
    found = _first_long(data, path, keys=True)
    if found is None:
        return None
    where, key = found
    if key is None:
        return _("%(where)s: a field name is longer than %(n)d characters.") % {
            "where": where or "body",
            "n": MAX_KEY_CHARS,
        }
    return f"{where}: {too_long_message(key)}"


def _check_text_lengths(data) -> None:
    """Refuse a string value longer than its field may be (TEXT_FIELD_MAX_CHARS), named by its
    key, anywhere in the body."""
    found = _first_long(data)
    if found is not None:
        key = found[1] or ""
        raise exceptions.ValidationError({key[:60] or "body": [too_long_message(key)]})


def _first_long(data, path: str = "", *, keys: bool = False) -> tuple[str, str | None] | None:
    """Where the first string over its field's limit is (its path, its field: the last key
    above it); with ``keys``, also a key over MAX_KEY_CHARS (its path, None)."""
    pending = [(path, path.rpartition(".")[2], data)]
    while pending:
        where, key, value = pending.pop()
        if isinstance(value, dict):
            for k, v in value.items():
                name = str(k)
                if keys and len(name) > MAX_KEY_CHARS:
                    return where, None
                pending.append((f"{where}.{name}" if where else name, name, v))
        elif isinstance(value, list):
            pending.extend((where, key, v) for v in value)
        elif too_long(key, value):
            return where, key
    return None
