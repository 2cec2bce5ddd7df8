"""Network: active users and traffic per router over time; routers and access points (OpenWISP)
per site by status, now."""

from __future__ import annotations

import plotly.graph_objects as go
from dash import html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from analytics import network

from .. import components as c

PAGE = "network"
MAX_LINES = 10


def _busiest(filters):
    """Only the busiest routers are drawn (and downloaded): a thousand lines help nobody."""
    return network.router_activity(filters, busiest=MAX_LINES)


def _users(frame):
    fig = go.Figure()
    for name, part in frame.groupby("router_name"):
        fig.add_scatter(x=list(part["at"]), y=list(part["active_users"]), mode="lines", name=name)
    fig.update_yaxes(title=_("active users"))
    return c.style(fig, money_axis=None)


def _traffic(frame):
    fig = go.Figure()
    for name, part in frame.groupby("router_name"):
        fig.add_scatter(
            x=list(part["at"]),
            y=[
                round((a + b) / 1e6, 1)
                for a, b in zip(part["rx_bytes"], part["tx_bytes"], strict=True)
            ],
            mode="lines",
            name=name,
        )
    fig.update_yaxes(title="MB")
    return c.style(fig, money_axis=None)


# up/ok green, problem amber, down/critical red, the rest grey
STATUS_COLOURS = {
    "up": "#2e7d32",
    "ok": "#66bb6a",
    "problem": "#f9a825",
    "down": "#c62828",
    "critical": "#e53935",
}


# What analytics.network.equipment_status names, for the catalog: translated when drawn.
KINDS_AND_STATUSES = (
    gettext_noop("router"),
    gettext_noop("access point"),
    gettext_noop("up"),
    gettext_noop("down"),
    gettext_noop("ok"),
    gettext_noop("problem"),
    gettext_noop("critical"),
    gettext_noop("unknown"),
    gettext_noop("deactivated"),
)


def _equipment(frame):
    """Routers and access points side by side per site, stacked by status."""
    fig = go.Figure()
    for (kind, status), part in frame.groupby(["kind", "status"]):
        fig.add_bar(
            x=list(part["site_name"]),
            y=list(part["count"]),
            name=f"{_(kind)}: {_(status)}",  # kinds and statuses: gettext_noop below
            offsetgroup=kind,
            legendgroup=kind,
            marker_color=STATUS_COLOURS.get(status, "#9e9e9e"),
            marker_pattern_shape="/" if kind == "access point" else "",
        )
    fig.update_layout(barmode="stack", showlegend=True)
    fig.update_yaxes(title=_("devices"))
    return c.style(fig, money_axis=None)


users = c.chart(
    PAGE, "users", gettext_lazy("Active users per router (10 busiest)"), _busiest, _users
)
traffic = c.chart(
    PAGE, "traffic", gettext_lazy("Traffic per router, MB (10 busiest)"), _busiest, _traffic
)
equipment = c.chart(
    PAGE,
    "equipment",
    gettext_lazy("Routers and access points per site, by status (now)"),
    network.equipment_status,
    _equipment,
)


def layout():
    return html.Div(
        [
            c.filter_bar(PAGE, days=2, agents=False, packages=False),
            html.Div([users(), traffic(), equipment()], className="vn-grid"),
        ]
    )
