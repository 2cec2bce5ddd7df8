"""The one filter every analytics function takes: a period and optional sites, agents, packages."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from uuid import UUID


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
