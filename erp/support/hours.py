"""Business time: a site's working hours in its time zone, and SLA due times counted only
inside them (the clock stops at closing time and runs again at opening).

A week is written as people say it: ``{"mon": "08:00-17:00", "sat": "09:00-13:00"}``; a day
missing or empty is closed; ``24:00`` closes at midnight. Arithmetic is done in UTC, so a
daylight-saving change inside a window counts the hours that really passed.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from dataclasses import dataclass
from functools import lru_cache

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
SPAN = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")
MAX_DAYS = 800  # a walk longer than this means the week has (almost) no open time
UTC = dt.UTC


@dataclass(frozen=True)
class Week:
    """Opening minutes (from local midnight) per weekday, Monday first; None = closed."""

    zone: zoneinfo.ZoneInfo
    days: tuple[tuple[int, int] | None, ...]

    def window(self, day: dt.date) -> tuple[dt.datetime, dt.datetime] | None:
        """That local day's opening and closing, as UTC instants (None when closed)."""
        span = self.days[day.weekday()]
        if span is None:
            return None
        start = _local(day, span[0], self.zone)
        end = (
            dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tzinfo=self.zone)
            if span[1] == 24 * 60
            else _local(day, span[1], self.zone)
        )
        return start.astimezone(UTC), end.astimezone(UTC)


def _local(day: dt.date, minutes: int, zone) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(minutes // 60, minutes % 60), tzinfo=zone)


def parse_week(week: dict | None) -> tuple[tuple[int, int] | None, ...]:
    """``{"mon": "08:00-17:00", ...}`` → opening minutes per weekday. ValidationError naming
    the day for a span that is not HH:MM-HH:MM with the start before the end, an unknown day,
    or a week with no open day."""
    week = week or {}
    if not isinstance(week, dict):
        raise ValidationError({"week": _("Give the hours per day, e.g. mon: 08:00-17:00.")})
    unknown = sorted(set(week) - set(DAYS))
    if unknown:
        raise ValidationError(
            {"week": _("Unknown day %(day)s: use mon, tue, … sun.") % {"day": unknown[0]}}
        )
    days: list[tuple[int, int] | None] = []
    for name in DAYS:
        text = str(week.get(name) or "").strip()
        if not text:
            days.append(None)
            continue
        match = SPAN.match(text)
        bad = ValidationError(
            {
                "week": _("%(day)s: %(text)s is not opening-closing hours like 08:00-17:00.")
                % {"day": name, "text": text[:20]}
            }
        )
        if not match:
            raise bad
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        start, end = h1 * 60 + m1, h2 * 60 + m2
        if h1 > 23 or m1 > 59 or m2 > 59 or end > 24 * 60 or start >= end:
            raise bad
        days.append((start, end))
    if not any(days):
        raise ValidationError({"week": _("Open at least one day, or use 24/7.")})
    return tuple(days)


def parse_zone(name: str) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(str(name or ""))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValidationError(
            {"time_zone": _("Unknown time zone %(zone)s.") % {"zone": str(name)[:40]}}
        ) from None


@lru_cache(maxsize=256)
def _week(zone: str, frozen: tuple[tuple[str, str], ...]) -> Week:
    return Week(zone=parse_zone(zone), days=parse_week(dict(frozen)))


def week_of(zone: str, week: dict) -> Week:
    return _week(zone, tuple(sorted((k, str(v)) for k, v in (week or {}).items())))


def add(start: dt.datetime, duration: dt.timedelta, week: Week | None) -> dt.datetime:
    """``start`` plus ``duration`` of business time (24/7 when ``week`` is None): time outside
    the opening hours does not count."""
    if week is None:
        return start + duration
    left = duration
    cursor = start.astimezone(UTC)
    day = cursor.astimezone(week.zone).date() - dt.timedelta(days=1)  # a window past midnight
    for _n in range(MAX_DAYS):
        window = week.window(day)
        day += dt.timedelta(days=1)
        if window is None or window[1] <= cursor:
            continue
        cursor = max(cursor, window[0])
        available = window[1] - cursor
        if left <= available:
            return cursor + left
        left -= available
        cursor = window[1]
    return cursor + left  # unreachable for a week with an open day


def between(start: dt.datetime, end: dt.datetime, week: Week | None) -> dt.timedelta:
    """Business time from ``start`` to ``end`` (zero when end is before start)."""
    if end <= start:
        return dt.timedelta(0)
    if week is None:
        return end - start
    total = dt.timedelta(0)
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    day = start.astimezone(week.zone).date() - dt.timedelta(days=1)
    last = end.astimezone(week.zone).date()
    while day <= last:
        window = week.window(day)
        day += dt.timedelta(days=1)
        if window is None:
            continue
        lo, hi = max(start, window[0]), min(end, window[1])
        if hi > lo:
            total += hi - lo
    return total


def resume(
    due: dt.datetime, paused_at: dt.datetime, now: dt.datetime, week: Week | None
) -> dt.datetime:
    """A due time after a pause from ``paused_at`` to ``now``: the business time that was left
    at the pause is left again from now (24/7: moved by the wait's length)."""
    if week is None:
        return due + max(now - paused_at, dt.timedelta(0))
    return add(max(now, paused_at), between(paused_at, due, week), week)
