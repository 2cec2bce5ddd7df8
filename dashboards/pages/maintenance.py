"""Maintenance: open faults by severity and per site, uptime % and mean time to repair per site.

Who sees it: holders of analytics.view_analytics (Super Admin, Marketing), like the Network
page. Technical users work faults in /faults/ and have no analytics permission; Finance and
agents do not need repair figures.
"""

from __future__ import annotations

import plotly.graph_objects as go
from dash import html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from analytics import maintenance
from erp.maintenance.choices import Severity as FaultSeverity

from .. import components as c

PAGE = "maintenance"
SEVERITY_COLOURS = {"critical": "#c62828", "major": "#ef6c00", "minor": "#f9a825"}


def _counts_axis(fig, top: int):
    """Whole numbers on the axis: a step of 1 for small counts (no '0, 0, 1, 1' ticks)."""
    fig.update_yaxes(
        title=_("open faults"), rangemode="tozero", tickformat=",d", dtick=1 if top <= 10 else None
    )


def _severity(frame):
    fig = go.Figure(
        go.Bar(
            x=list(frame["label"]),
            y=[int(n) for n in frame["faults"]],
            marker_color=[SEVERITY_COLOURS[s] for s in frame["severity"]],
            hovertemplate=_("%(what)s: %(count)s open") % {"what": "%{x}", "count": "%{y}"}
            + "<extra></extra>",
        )
    )
    _counts_axis(fig, int(frame["faults"].max()))
    return c.style(fig, money_axis=None)


def _per_site(frame):
    frame = frame.nlargest(c.MAX_BARS, "total").sort_values("site_name")
    fig = go.Figure()
    for severity in maintenance.SEVERITIES:
        fig.add_bar(
            x=list(frame["site_name"]),
            y=[int(n) for n in frame[severity]],
            name=str(FaultSeverity(severity).label),
            marker_color=SEVERITY_COLOURS[severity],
        )
    fig.update_layout(barmode="stack", legend={"traceorder": "normal"})
    _counts_axis(fig, int(frame["total"].max()))
    return c.style(fig, money_axis=None)


def _uptime(frame):
    frame = frame.nsmallest(c.MAX_BARS, "uptime_percent").sort_values("site_name")
    fig = go.Figure(
        go.Bar(
            x=list(frame["site_name"]),
            y=[float(v) for v in frame["uptime_percent"]],
            text=[f"{v:.2f} %" for v in frame["uptime_percent"]],
            textposition="inside",
            hovertemplate="%{x}: %{y:.2f} %<extra></extra>",
        )
    )
    fig.update_yaxes(title=_("uptime %"), range=[0, 100])
    return c.style(fig, money_axis=None)


def _mttr(frame):
    frame = frame.nlargest(c.MAX_BARS, "mttr_seconds").sort_values("site_name")
    fig = go.Figure(
        go.Bar(
            x=list(frame["site_name"]),
            y=[float(v) for v in frame["mttr_hours"]],
            text=[f"{v:.1f} h" for v in frame["mttr_hours"]],
            textposition="inside",
            hovertemplate="%{x}: %{y:.2f} h<extra></extra>",
        )
    )
    fig.update_yaxes(title=_("hours"), rangemode="tozero")
    return c.style(fig, money_axis=None)


severity = c.chart(
    PAGE,
    "severity",
    gettext_lazy("Open faults by severity"),
    maintenance.open_faults_by_severity,
    _severity,
)
per_site = c.chart(
    PAGE,
    "faults",
    gettext_lazy("Open faults per site (25 most)"),
    maintenance.open_faults_by_site,
    _per_site,
)
uptime = c.chart(
    PAGE,
    "uptime",
    gettext_lazy("Uptime % per site (25 lowest)"),
    maintenance.uptime_by_site,
    _uptime,
)
mttr = c.chart(
    PAGE,
    "mttr",
    gettext_lazy("Mean time to repair per site, hours"),
    maintenance.mttr_by_site,
    _mttr,
)


def layout():
    return html.Div(
        [
            c.filter_bar(PAGE, days=30, agents=False, packages=False),
            html.Div([severity(), per_site(), uptime(), mttr()], className="vn-grid"),
        ]
    )
