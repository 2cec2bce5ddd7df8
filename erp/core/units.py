"""Durations and data sizes as people type them: "1 day", "2 h", "90 min", "1 d 12 h";
"500 MB", "1.5 GB" (issue 23: forms for people, not for the database, which keeps seconds
and bytes). Form fields that read them and show stored values the same way."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from django import forms
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


def duration_text(seconds: int | None) -> str:
    """86400 → '1 day', 129600 → '1 day 12 h', 5400 → '1 h 30 min'."""
    if not seconds:
        return ""
    weeks, rest = divmod(int(seconds), 604800)
    days, rest = divmod(rest, 86400)
    if weeks and not days and not rest:
        return f"{weeks} week" if weeks == 1 else f"{weeks} weeks"
    days += weeks * 7
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    parts = []
    if days:
        parts.append(f"{days} day" if days == 1 else f"{days} days")
    if hours:
        parts.append(f"{hours} h")
    if minutes:
        parts.append(f"{minutes} min")
    if secs:
        parts.append(f"{secs} s")
    return " ".join(parts)


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
    show = staticmethod(duration_text)
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
