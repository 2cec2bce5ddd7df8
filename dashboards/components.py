"""Shared pieces of the pages: the filter bar, a chart card with its CSV download, figure style.

A chart is declared once with ``chart(page, name, title, data, draw)``: ``data(filters)`` is an
analytics function (returns a DataFrame), ``draw(frame)`` turns it into a figure. Both the
figure and its CSV come from the same DataFrame, so they never disagree.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pandas as pd
import plotly.graph_objects as go
from dash import Input, Output, State, callback, dcc, html
from django.conf import settings
from django.utils import timezone

from analytics.filters import Filters

from . import access

FILTERS = ("dates", "sites", "agents", "packages")
MAX_BARS = 25


def fid(page: str, name: str) -> str:
    return f"{page}-{name}"


def filter_bar(page: str, *, days: int = 30, agents: bool = True, packages: bool = True):
    """Date range, sites, agents and packages; options are what the user may see."""
    from erp.sites.selectors import sites_visible_to
    from erp.vouchers.models import Package

    user = access.current_user.get()
    today = timezone.localdate()
    visible = sites_visible_to(user).order_by("name").values_list("pk", "name")
    sites = [{"label": name, "value": str(pk)} for pk, name in visible]
    children = [
        dcc.DatePickerRange(
            id=fid(page, "dates"),
            start_date=today - dt.timedelta(days=days - 1),
            end_date=today,
            display_format="YYYY-MM-DD",
        ),
        dcc.Dropdown(
            id=fid(page, "sites"),
            options=sites,
            multi=True,
            placeholder="All sites",
            className="vn-filter",
        ),
    ]
    if agents and not access.own_only(user):
        from erp.accounts.models import User
        from erp.accounts.roles import Role

        agent_options = [
            {"label": u.get_full_name() or u.username, "value": str(u.pk)}
            for u in User.objects.filter(groups__name=Role.AGENT).order_by("username")
        ]
        children.append(
            dcc.Dropdown(
                id=fid(page, "agents"),
                options=agent_options,
                multi=True,
                placeholder="All agents",
                className="vn-filter",
            )
        )
    else:
        children.append(_hidden(fid(page, "agents")))
    if packages:
        options = [{"label": p.name, "value": str(p.pk)} for p in Package.objects.order_by("name")]
        children.append(
            dcc.Dropdown(
                id=fid(page, "packages"),
                options=options,
                multi=True,
                placeholder="All packages",
                className="vn-filter",
            )
        )
    else:
        children.append(_hidden(fid(page, "packages")))
    return html.Div(children, className="vn-filters")


def _hidden(component_id: str):
    """A filter the user does not get (an agent choosing agents): always empty."""
    return dcc.Dropdown(
        id=component_id, options=[], value=[], multi=True, style={"display": "none"}
    )


def filter_states(page: str) -> list[State]:
    return [State(fid(page, "dates"), "start_date"), State(fid(page, "dates"), "end_date")] + [
        State(fid(page, name), "value") for name in FILTERS[1:]
    ]


def filter_inputs(page: str) -> list[Input]:
    return [Input(s.component_id, s.component_property) for s in filter_states(page)]


def make_filters(start, end, sites, agents, packages) -> Filters:
    """Filters from the bar's values, narrowed to what the current user may see."""
    today = timezone.localdate()
    start_day = dt.date.fromisoformat(str(start)[:10]) if start else today - dt.timedelta(29)
    end_day = dt.date.fromisoformat(str(end)[:10]) if end else today
    if end_day < start_day:
        start_day, end_day = end_day, start_day
    filters = Filters(
        start=start_day,
        end=end_day + dt.timedelta(days=1),
        sites=tuple(sites or ()),
        agents=tuple(agents or ()),
        packages=tuple(packages or ()),
    )
    return access.scope(filters, access.current_user.get())


def style(fig: go.Figure, *, money_axis: str | None = "y", height: int = 340) -> go.Figure:
    """Readable on a phone and a desktop: small margins, legend below, currency on the axis."""
    fig.update_layout(
        template="plotly_white",
        height=height,
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        legend={"orientation": "h", "yanchor": "top", "y": -0.15, "x": 0},
        font={"size": 12},
        separators=".,",
    )
    if money_axis == "y":
        fig.update_yaxes(tickprefix=f"{settings.CURRENCY} ", tickformat=",.0f", automargin=True)
    elif money_axis == "x":
        fig.update_xaxes(tickprefix=f"{settings.CURRENCY} ", tickformat=",.0f", automargin=True)
    fig.update_xaxes(automargin=True)
    return fig


def money_hover(axis: str = "y") -> str:
    return (
        f"%{{{'x' if axis == 'y' else 'y'}}}<br>{settings.CURRENCY} %{{{axis}:,.2f}}<extra></extra>"
    )


def floats(series: pd.Series) -> list[float]:
    """Money (Decimal) as floats, for drawing only."""
    return [float(v) for v in series]


def empty(message: str = "No data for these filters") -> go.Figure:
    fig = go.Figure()
    fig.add_annotation(text=message, showarrow=False, font={"size": 14})
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return style(fig, money_axis=None, height=200)


def chart(
    page: str,
    name: str,
    title: str,
    data: Callable[[Filters], pd.DataFrame],
    draw: Callable[[pd.DataFrame], go.Figure],
) -> Callable[[], html.Div]:
    """Register the figure and CSV callbacks of one chart; returns its layout function."""
    graph_id, csv_id, download_id = (
        fid(page, name),
        fid(page, f"{name}-csv"),
        fid(page, f"{name}-dl"),
    )

    @callback(Output(graph_id, "figure"), *filter_inputs(page))
    def update(start, end, sites, agents, packages):
        frame = data(make_filters(start, end, sites, agents, packages))
        return empty() if frame.empty else draw(frame)

    @callback(
        Output(download_id, "data"),
        Input(csv_id, "n_clicks"),
        *filter_states(page),
        prevent_initial_call=True,
    )
    def download(_clicks, start, end, sites, agents, packages):
        frame = data(make_filters(start, end, sites, agents, packages))
        return dcc.send_data_frame(frame.to_csv, f"{name}.csv", index=False)

    def layout() -> html.Div:
        return html.Div(
            [
                html.Div(
                    [
                        html.H3(title),
                        html.Button(
                            "CSV",
                            id=csv_id,
                            className="vn-csv",
                            title="Download this chart's data as CSV",
                        ),
                    ],
                    className="vn-card-head",
                ),
                dcc.Loading(
                    dcc.Graph(id=graph_id, config={"displaylogo": False, "responsive": True})
                ),
                dcc.Download(id=download_id),
            ],
            className="vn-card",
        )

    return layout
