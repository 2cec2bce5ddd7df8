"""Support tickets: intake per day by channel and category, first-response and resolution
times against the SLA (p50 / p90), breaches, the backlog per team, satisfaction.

Read from the tickets themselves (a few thousand a month even for 1,000 sites; no rollup
needed yet). A ticket belongs to the day it was opened (local time); duplicates (closed at
opening as another ticket's repeat) are not counted. The site filter keeps tickets of the
chosen sites; with no site chosen, tickets at no site are counted too.
"""

from __future__ import annotations

import pandas as pd
from django.db.models import Count
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext_noop

from erp.support.choices import OPEN_STATUSES, Channel, Team
from erp.support.models import Ticket

from .filters import Filters, local_midnight


def _tickets(filters: Filters):
    rows = Ticket.objects.filter(
        duplicate_of__isnull=True,
        created_at__gte=local_midnight(filters.start),
        created_at__lt=local_midnight(filters.end),
    )
    return filters.scoped(rows, site="site")


def tickets_per_day(filters: Filters) -> pd.DataFrame:
    """How many tickets were opened each day, by channel? Columns day, channel, label,
    tickets; only days and channels with tickets, by day then channel."""
    rows = (
        _tickets(filters)
        .annotate(day=TruncDate("created_at", tzinfo=timezone.get_current_timezone()))
        .values_list("day", "channel")
        .annotate(n=Count("pk"))
        .order_by("day", "channel")
    )
    labels = dict(Channel.choices)
    data = [
        {"day": day, "channel": channel, "label": str(labels.get(channel, channel)), "tickets": n}
        for day, channel, n in rows
    ]
    return pd.DataFrame(data, columns=["day", "channel", "label", "tickets"])


def tickets_by_category(filters: Filters) -> pd.DataFrame:
    """Which problems do customers report? Columns category, tickets; most first (unfiled
    tickets as "to file")."""
    rows = _tickets(filters).values_list("category__name").annotate(n=Count("pk")).order_by()
    data = sorted(
        ({"category": name or "to file", "tickets": n} for name, n in rows),
        key=lambda r: (-r["tickets"], r["category"]),
    )
    return pd.DataFrame(data, columns=["category", "tickets"])


def response_times(filters: Filters) -> pd.DataFrame:
    """How fast were tickets answered and resolved, against the SLA? One row per measure
    (first response, resolution): p50 and p90 in minutes, the median SLA target in minutes,
    how many were measured and how many missed the SLA (breaches)."""
    rows = list(
        _tickets(filters).values(
            "created_at",
            "first_responded_at",
            "first_response_due",
            "resolved_at",
            "resolution_due",
            "first_response_breached",
            "resolution_breached",
        )
    )
    frame = pd.DataFrame(rows)
    for column in frame.columns:  # a column of only None is no datetime column otherwise
        if column.endswith(("_at", "_due")):
            frame[column] = pd.to_datetime(frame[column], utc=True)
    out = []
    for measure, done, due, breached in (
        # the measure names are data here, translated where they are drawn
        (
            gettext_noop("first response"),
            "first_responded_at",
            "first_response_due",
            "first_response_breached",
        ),
        (gettext_noop("resolution"), "resolved_at", "resolution_due", "resolution_breached"),
    ):
        if frame.empty:
            out.append(
                {
                    "measure": measure,
                    "p50": None,
                    "p90": None,
                    "target": None,
                    "measured": 0,
                    "breaches": 0,
                }
            )
            continue
        timed = frame.dropna(subset=[done])
        minutes = (timed[done] - timed["created_at"]).dt.total_seconds() / 60
        targets = frame[due].dropna() - frame.loc[frame[due].notna(), "created_at"]
        target = targets.dt.total_seconds().median() / 60 if len(targets) else None
        out.append(
            {
                "measure": measure,
                "p50": round(float(minutes.quantile(0.5)), 1) if len(minutes) else None,
                "p90": round(float(minutes.quantile(0.9)), 1) if len(minutes) else None,
                "target": round(float(target), 1) if target is not None else None,
                "measured": int(len(minutes)),
                "breaches": int(frame[breached].sum()),
            }
        )
    return pd.DataFrame(out, columns=["measure", "p50", "p90", "target", "measured", "breaches"])


def backlog_by_team(filters: Filters) -> pd.DataFrame:
    """What is open right now, per team and status? The period does not apply (it is the
    queue as it stands); the site filter does. Columns team, label, new, open, waiting, total;
    one row per team, zero included."""
    open_tickets = filters.scoped(
        Ticket.objects.filter(duplicate_of__isnull=True, status__in=OPEN_STATUSES), site="site"
    )
    counts: dict[tuple[str, str], int] = {}
    for team, status, n in (
        open_tickets.values_list("category__team", "status").annotate(n=Count("pk")).order_by()
    ):
        key = (team or Team.CUSTOMER_CARE, status)
        counts[key] = counts.get(key, 0) + n
    data = []
    for team in Team:
        row = {"team": team.value, "label": str(team.label)}
        for status in OPEN_STATUSES:
            row[str(status)] = counts.get((team.value, status), 0)
        row["total"] = sum(row[str(s)] for s in OPEN_STATUSES)
        data.append(row)
    return pd.DataFrame(data, columns=["team", "label", "new", "open", "waiting", "total"])


def satisfaction(filters: Filters) -> pd.DataFrame:
    """How did customers rate the support? Columns rating (1-5), tickets; every score,
    zero included (tickets opened in the period and rated)."""
    counts = dict(
        _tickets(filters)
        .filter(rating__isnull=False)
        .values_list("rating")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return pd.DataFrame(
        [{"rating": score, "tickets": counts.get(score, 0)} for score in range(1, 6)],
        columns=["rating", "tickets"],
    )
