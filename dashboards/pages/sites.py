"""Sites: revenue per site, ranking, map from GPS, drill-down from a site to its agents."""

from __future__ import annotations

import plotly.graph_objects as go
from dash import Input, Output, callback, dcc, html
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from analytics import agents, network, sales

from .. import components as c

PAGE = "sites"


def _ranking(frame):
    # customdata: the site's id, for the drill-down on click
    return c.ranked_bars(
        frame, "site_name", "net", "#0d47a1", customdata=lambda top: list(top["site"])
    )


def _map_data(filters):
    status = network.site_status(filters)
    revenue = sales.revenue_by_site(filters)[["site", "net"]]
    frame = status.merge(revenue, on="site", how="left")
    frame["net"] = frame["net"].apply(lambda v: v if v == v and v is not None else 0)
    return frame.dropna(subset=["latitude", "longitude"])


def _map(frame):
    up = frame[~frame["down"]]
    down = frame[frame["down"]]
    fig = go.Figure()
    fig.add_scatter(
        x=[round(float(v), 4) for v in up["longitude"]],
        y=[round(float(v), 4) for v in up["latitude"]],
        mode="markers",
        name=_("up"),
        text=list(up["code"]),
        marker={
            "color": c.floats(up["net"]),
            "colorscale": "Viridis",
            "size": 9,
            "showscale": True,
            "colorbar": {"title": settings.CURRENCY},
        },
        hovertemplate="%{text}<br>" + c.money_value("marker.color") + "<extra></extra>",
    )
    fig.add_scatter(
        x=[round(float(v), 4) for v in down["longitude"]],
        y=[round(float(v), 4) for v in down["latitude"]],
        mode="markers",
        name=_("down"),
        text=list(down["code"]),
        marker={"color": "#c62828", "size": 11, "symbol": "x"},
        hovertemplate=_("%(site)s (down)") % {"site": "%{text}"} + "<extra></extra>",
    )
    fig.update_yaxes(scaleanchor="x", title=_("latitude"))
    fig.update_xaxes(title=_("longitude"))
    return c.style(fig, money_axis=None, height=420)


ranking = c.chart(
    PAGE,
    "ranking",
    gettext_lazy("Net revenue per site (top 25) — click a site for its agents"),
    sales.revenue_by_site,
    _ranking,
)
site_map = c.chart(
    PAGE,
    "map",
    gettext_lazy("Sites by GPS: colour is net revenue, red crosses are down"),
    _map_data,
    _map,
)


@callback(
    Output(c.fid(PAGE, "drill"), "figure"),
    Output(c.fid(PAGE, "drill-title"), "children"),
    Input(c.fid(PAGE, "ranking"), "clickData"),
    *c.filter_states(PAGE),
)
def drill(click, start, end, sites, agent_ids, packages):
    if not click:
        return c.empty(_("Click a site in the ranking")), _("Agents of a site")
    point = click["points"][0]
    filters = c.make_filters(start, end, [point["customdata"]], agent_ids, packages)
    frame = agents.agent_figures(filters)
    if frame.empty:
        return c.empty(), _("Agents of %(site)s") % {"site": point["y"]}
    fig = go.Figure()
    fig.add_bar(
        x=list(frame["agent_name"]),
        y=c.floats(frame["collected"]),
        name=_("collected"),
        hovertemplate=c.money_hover(),
    )
    fig.add_bar(
        x=list(frame["agent_name"]),
        y=c.floats(frame["commission"]),
        name=_("commission"),
        hovertemplate=c.money_hover(),
    )
    return c.style(fig), _("Agents of %(site)s") % {"site": point["y"]}


def layout():
    return html.Div(
        [
            c.filter_bar(PAGE),
            html.Div([ranking(), site_map()], className="vn-grid"),
            html.Div(
                [
                    html.H3(_("Agents of a site"), id=c.fid(PAGE, "drill-title")),
                    dcc.Graph(id=c.fid(PAGE, "drill"), config=c.graph_config()),
                ],
                className="vn-card",
            ),
        ]
    )
