"""The one filter every analytics function takes: a period and optional sites, agents, packages."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from uuid import UUID

from django.db.models import Q
from django.utils import timezone

from erp.accounts.models import User
from erp.sites.selectors import scoped_site_ids

# A site id no site has: a scope with no sites left matches nothing (an empty tuple in the
# filters would mean "every site").
NO_SITE = "00000000-0000-0000-0000-000000000000"


@dataclass(frozen=True)
class Filters:
    """Days start ≤ day < end (local dates); an empty tuple means "all"."""

    start: dt.date
    end: dt.date
    sites: tuple[UUID | str, ...] = field(default=())
    agents: tuple[UUID | str, ...] = field(default=())
    packages: tuple[UUID | str, ...] = field(default=())

    def __post_init__(self):
        if self.end <= self.start:
            raise ValueError("the period ends before it starts")

    def calendar(self) -> tuple[list[tuple[dt.date, dt.date]], tuple[dt.date, dt.date] | None]:
        """The period as whole months (first ≤ month < last, or None) and the day ranges on
        either side of them, so a long period reads monthly rollups plus a few days."""
        return split_months(self.start, self.end)

    def days(self, queryset, day_field: str = "day"):
        return queryset.filter(**{f"{day_field}__gte": self.start, f"{day_field}__lt": self.end})

    def scoped(
        self,
        queryset,
        *,
        site: str | None = "site",
        agent: str | None = None,
        package: str | None = None,
    ):
        """Apply the site / agent / package choices to a queryset, by the given field names."""
        if self.sites and site:
            queryset = queryset.filter(**{f"{site}__in": self.sites})
        if self.agents and agent:
            queryset = queryset.filter(**{f"{agent}__in": self.agents})
        if self.packages and package:
            queryset = queryset.filter(**{f"{package}__in": self.packages})
        return queryset


def first_of_next_month(day: dt.date) -> dt.date:
    return (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1)


def split_months(
    start: dt.date | None, end: dt.date
) -> tuple[list[tuple[dt.date | None, dt.date]], tuple[dt.date | None, dt.date] | None]:
    """Days start ≤ day < end (start None: from the beginning) as whole months and the day
    ranges around them: ([(day, day), …], (first month, month after the last) or None)."""
    first = start if start is None or start.day == 1 else first_of_next_month(start)
    last = end.replace(day=1)  # months before this one are whole
    if first is not None and first >= last:
        return [(start, end)], None
    edges: list[tuple[dt.date | None, dt.date]] = []
    if start is not None and start < first:
        edges.append((start, first))
    if last < end:
        edges.append((last, end))
    return edges, (first, last)


def local_midnight(day: dt.date) -> dt.datetime:
    """The start of a local day (settings.TIME_ZONE): where a period's days begin and end."""
    return dt.datetime.combine(day, dt.time.min, tzinfo=timezone.get_current_timezone())


def in_ranges(ranges, field: str, midnight: bool = False):
    """A Q for rows whose ``field`` falls in any of these [lo, hi) day ranges (lo None: open),
    as ``split_months`` gives them; ``midnight``: the field is a time, compared with the
    days' local midnights."""
    q = Q(pk__in=[])
    for lo, hi in ranges:
        part = Q(**{f"{field}__lt": local_midnight(hi) if midnight else hi})
        if lo is not None:
            part &= Q(**{f"{field}__gte": local_midnight(lo) if midnight else lo})
        q |= part
    return q


def analytics_sites(user: User | None) -> tuple:
    """The `sites` of an analytics Filters for this user: () for every site (and head office),
    else the user's sites (never empty, so a scope with no sites sees nothing)."""
    if user is None:
        return ()
    sites = scoped_site_ids(user)
    if sites is None:
        return ()
    return tuple(str(pk) for pk in sites) or (NO_SITE,)
