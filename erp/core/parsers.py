"""Request parsers for the API (a module of its own: DRF imports it while loading settings)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.parsers import JSONParser

from .middleware import too_long, too_long_message


class SafeJSONParser(JSONParser):
    """DRF's JSON parser, with JSON nested deeper than Python's recursion limit (an array of a
    hundred thousand brackets) refused as a 400 instead of a RecursionError and a 500."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise exceptions.ParseError(_("JSON parse error - nested too deeply.")) from None
        _check_text_lengths(data)
        return data


def _check_text_lengths(data) -> None:
    """Refuse a string value longer than its field may be (TEXT_FIELD_MAX_CHARS), named by its
    key, anywhere in the body."""
    pending = [("", data)]
    while pending:
        key, value = pending.pop()
        if isinstance(value, dict):
            pending.extend((str(k), v) for k, v in value.items())
        elif isinstance(value, list):
            pending.extend((key, v) for v in value)
        elif too_long(key, value):
            raise exceptions.ValidationError({key[:60] or "body": [too_long_message(key)]})
