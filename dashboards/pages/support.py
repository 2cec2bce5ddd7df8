"""Support: tickets per day by channel, what customers report, answer and resolution times
against the SLA (p50 / p90), breaches, the backlog per team, satisfaction.

Who sees it: holders of analytics.view_analytics (Super Admin, Marketing = Customer Care),
like the Maintenance page. The teams work tickets in /tickets/.
"""

from __future__ import annotations

import plotly.graph_objects as go
from dash import html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from analytics import support
from erp.support.choices import TicketStatus

from .. import components as c

PAGE = "support"
STATUS_COLOURS = {"new": "#1565c0", "open": "#ef6c00", "waiting": "#78909c"}
RATING_COLOURS = ["#c62828", "#ef6c00", "#f9a825", "#7cb342", "#2e7d32"]


def _counts_axis(fig, top: int, title: str):
    fig.update_yaxes(
        title=title, rangemode="tozero", tickformat=",d", dtick=1 if top <= 10 else None
    )


def _per_day(frame):
    fig = go.Figure()
    for label, rows in frame.groupby("label", sort=True):
        fig.add_bar(
            x=[day.isoformat() for day in rows["day"]],
            y=[int(n) for n in rows["tickets"]],
            name=label,
        )
    fig.update_xaxes(type="category")
    fig.update_layout(barmode="stack")
    _counts_axis(fig, int(frame.groupby("day")["tickets"].sum().max()), _("tickets"))
    return c.style(fig, money_axis=None)


def _categories(frame):
    frame = frame.head(c.MAX_BARS).iloc[::-1]
    fig = go.Figure(
        go.Bar(
            x=[int(n) for n in frame["tickets"]],
            y=list(frame["category"]),
            orientation="h",
            hovertemplate="%{y}: %{x}<extra></extra>",
        )
    )
    fig.update_xaxes(title=_("tickets"), tickformat=",d")
    return c.style(fig, money_axis=None)


def _times(frame):
    labels = [_(m) for m in frame["measure"]]  # marked with gettext_noop in analytics
    fig = go.Figure()
    for column, colour in (("p50", "#1565c0"), ("p90", "#90caf9"), ("target", "#c62828")):
        values = [None if v != v or v is None else float(v) for v in frame[column]]
        fig.add_bar(
            x=labels,
            y=values,
            name=_("SLA target") if column == "target" else column,
            marker_color=colour,
            text=[_("%(n)s min") % {"n": f"{v:.0f}"} if v is not None else "" for v in values],
            textposition="outside",
        )
    fig.update_layout(barmode="group")
    fig.update_yaxes(title=_("minutes"), rangemode="tozero")
    return c.style(fig, money_axis=None)


def _breaches(frame):
    fig = go.Figure(
        go.Bar(
            x=[_(m) for m in frame["measure"]],
            y=[int(n) for n in frame["breaches"]],
            text=[
                _("%(late)d of %(measured)d") % {"late": int(b), "measured": int(m)}
                for b, m in zip(frame["breaches"], frame["measured"], strict=True)
            ],
            textposition="outside",
            marker_color="#c62828",
        )
    )
    _counts_axis(fig, int(frame["breaches"].max()), _("late tickets"))
    return c.style(fig, money_axis=None)


def _backlog(frame):
    fig = go.Figure()
    for status, colour in STATUS_COLOURS.items():
        fig.add_bar(
            x=list(frame["label"]),
            y=[int(n) for n in frame[status]],
            name=str(TicketStatus(status).label),
            marker_color=colour,
        )
    fig.update_layout(barmode="stack", legend={"traceorder": "normal"})
    _counts_axis(fig, int(frame["total"].max()), _("open tickets"))
    return c.style(fig, money_axis=None)


def _satisfaction(frame):
    fig = go.Figure(
        go.Bar(
            x=[f"{int(r)} ★" for r in frame["rating"]],
            y=[int(n) for n in frame["tickets"]],
            marker_color=RATING_COLOURS,
            hovertemplate="%{x}: %{y}<extra></extra>",
        )
    )
    _counts_axis(fig, int(frame["tickets"].max()), _("tickets"))
    return c.style(fig, money_axis=None)


per_day = c.chart(
    PAGE, "per-day", gettext_lazy("Tickets per day by channel"), support.tickets_per_day, _per_day
)
categories = c.chart(
    PAGE,
    "categories",
    gettext_lazy("What customers report"),
    support.tickets_by_category,
    _categories,
)
times = c.chart(
    PAGE,
    "times",
    gettext_lazy("First response and resolution, minutes (p50, p90, SLA)"),
    support.response_times,
    _times,
)
breaches = c.chart(
    PAGE, "breaches", gettext_lazy("SLA breaches"), support.response_times, _breaches
)
backlog = c.chart(
    PAGE, "backlog", gettext_lazy("Open tickets per team (now)"), support.backlog_by_team, _backlog
)
rating = c.chart(
    PAGE, "rating", gettext_lazy("Satisfaction (1-5)"), support.satisfaction, _satisfaction
)


def layout():
    return html.Div(
        [
            c.filter_bar(PAGE, days=30, agents=False, packages=False),
            html.Div(
                [per_day(), categories(), times(), breaches(), backlog(), rating()],
                className="vn-grid",
            ),
        ]
    )
