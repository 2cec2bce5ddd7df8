"""Durations and data sizes as people type them: "1 day", "2 h", "90 min", "1 d 12 h";
"500 MB", "1.5 GB" (issue 23: forms for people, not for the database, which keeps seconds
and bytes). Form fields that read them and show stored values the same way."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from django import forms
from django.utils import translation
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

SECONDS = {
    "s": 1, "sec": 1, "secs": 1, "second": 1, "seconds": 1,
    "m": 60, "min": 60, "mins": 60, "minute": 60, "minutes": 60,
    "h": 3600, "hr": 3600, "hrs": 3600, "hour": 3600, "hours": 3600,
    "d": 86400, "day": 86400, "days": 86400,
    "w": 604800, "wk": 604800, "week": 604800, "weeks": 604800,
}  # fmt: skip
# Decimal units, as operators sell data bundles ("1 GB" = 1,000,000,000 bytes).
BYTES = {"b": 1, "kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12}
PART = re.compile(r"\s*(\d+(?:[.,]\d+)?)\s*([a-zA-Z]+)\s*")


def _parts(text: str):
    text = text.strip()
    pos, parts = 0, []
    while pos < len(text):
        match = PART.match(text, pos)
        if not match:
            return None
        try:
            number = Decimal(match.group(1).replace(",", "."))
        except InvalidOperation:
            return None
        parts.append((number, match.group(2).lower()))
        pos = match.end()
    return parts or None


def parse_duration(text: str) -> int:
    """'1 day' → 86400, '1 d 12 h' → 129600, '90 min' → 5400; ValueError otherwise."""
    parts = _parts(text)
    if not parts or any(unit not in SECONDS for _n, unit in parts):
        raise ValueError(text)
    return int(sum(number * SECONDS[unit] for number, unit in parts))


def parse_data_size(text: str) -> int:
    """'500 MB' → 500,000,000; '1.5 GB' → 1,500,000,000; ValueError otherwise."""
    parts = _parts(text)
    if not parts or len(parts) != 1 or parts[0][1] not in BYTES:
        raise ValueError(text)
    number, unit = parts[0]
    return int(number * BYTES[unit])


def duration_text(seconds: int | None, *, coarse: bool = False) -> str:
    """A duration as people read it, in the active language: 86400 → '1 day', 129600 →
    '1 day 12 h', 5400 → '1 h 30 min', 1209600 → '2 weeks'. The one formatter of durations
    (packages' validity on lists, cards and receipts, forms, the portal's time left), so that
    a translator words each unit once.

    Days and weeks agree with their number (ngettext); h, min and s are words to translate
    (Swahili writes 'saa 2 dakika 30', French keeps '2 h 30 min').
    ``coarse``: for a customer's time left, to the minute and no minutes beside days ('2 days
    3 h'), and 'less than a minute' under one; otherwise exact, and '' for nothing."""
    seconds = max(0, int(seconds or 0))
    if coarse:
        if seconds < 60:
            return gettext("less than a minute")
        seconds -= seconds % 60
    if not seconds:
        return ""
    weeks, rest = divmod(seconds, 604800)
    days, rest = divmod(rest, 86400)
    if weeks and not days and not rest:
        return ngettext("%(n)d week", "%(n)d weeks", weeks) % {"n": weeks}
    days += weeks * 7
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    parts = []
    if days:
        parts.append(ngettext("%(n)d day", "%(n)d days", days) % {"n": days})
    if hours:
        parts.append(gettext("%(n)d h") % {"n": hours})
    if minutes and not (coarse and days):
        parts.append(gettext("%(n)d min") % {"n": minutes})
    if secs:
        parts.append(gettext("%(n)d s") % {"n": secs})
    return " ".join(parts)


def typed_duration_text(seconds: int | None) -> str:
    """A stored duration as a form shows it for editing: in the unit words parse_duration
    reads back ('1 day 12 h'), whatever the reader's language, so that saving the form
    unchanged keeps the value."""
    with translation.override("en"):
        return duration_text(seconds)


def data_size_text(size: int | None) -> str:
    """1_500_000_000 → '1.5 GB', 500_000_000 → '500 MB'."""
    if not size:
        return ""
    for unit in ("TB", "GB", "MB", "KB"):
        factor = BYTES[unit.lower()]
        if size >= factor:
            value = Decimal(size) / factor
            text = f"{value:.3f}".rstrip("0").rstrip(".")
            return f"{text} {unit}"
    return f"{size} B"


class _UnitField(forms.CharField):
    parse = staticmethod(parse_duration)
    show = staticmethod(typed_duration_text)
    error = ""

    def __init__(self, *, min_value: int = 0, **kwargs):
        self.min_value = min_value
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, int):
            return self.show(value)
        return value

    def to_python(self, value):
        text = super().to_python(value)
        if text in self.empty_values:
            return None
        try:
            number = self.parse(text)
        except ValueError:
            raise forms.ValidationError(self.error, code="invalid") from None
        if number < self.min_value:
            raise forms.ValidationError(self.error, code="min_value")
        return number


class DurationTextField(_UnitField):
    """Seconds, typed and shown as '30 min', '2 h', '1 day', '1 d 12 h', '1 week'."""

    error = _("Type a duration with its unit: 30 min, 2 h, 1 day, 1 week.")


class DataSizeField(_UnitField):
    """Bytes, typed and shown as '500 MB', '1.5 GB' (1 GB = 1,000 MB)."""

    parse = staticmethod(parse_data_size)
    show = staticmethod(data_size_text)
    error = _("Type a size with its unit: 500 MB, 1.5 GB.")
