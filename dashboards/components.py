"""Shared pieces of the pages: the filter bar, a chart card with its CSV download, figure style.

A chart is declared once with ``chart(page, name, title, data, draw)``: ``data(filters)`` is an
analytics function (returns a DataFrame), ``draw(frame)`` turns it into a figure. Both the
figure and its CSV come from the same DataFrame, so they never disagree.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
from dash import Input, Output, State, callback, dcc, html
from dash.exceptions import PreventUpdate
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from analytics.filters import Filters
from erp.accounts.models import User
from erp.accounts.roles import Role
from erp.core.formats import calendar_names, chart_formats
from erp.core.languages import active_language
from erp.core.spreadsheet import text_frame
from erp.sites.selectors import sites_visible_to
from erp.vouchers.models import Package

from . import access

FILTERS = ("dates", "sites", "agents", "packages")
MAX_BARS = 25
OPTIONS = 50  # sites or agents listed in a filter box before the user types


# plotly_white's layout and its bar and scatter defaults: the whole template also styles every
# other trace type, and applying it copied about 70,000 objects per figure (11 ms) and added
# 4 KB to each figure's JSON, for traces these charts never draw.
_WHITE = pio.templates["plotly_white"]
TEMPLATE = go.layout.Template(
    layout=_WHITE.layout, data={"bar": _WHITE.data.bar, "scatter": _WHITE.data.scatter}
)


def fid(page: str, name: str) -> str:
    return f"{page}-{name}"


def filter_bar(page: str, *, days: int = 30, agents: bool = True, packages: bool = True):
    """Date range, sites, agents and packages; options are what the user may see. Sites and
    agents may run to thousands: the first few are listed, typing searches the rest."""
    user = access.current_user.get()
    today = timezone.localdate()
    children = [
        dcc.DatePickerRange(
            id=fid(page, "dates"),
            start_date=today - dt.timedelta(days=days - 1),
            end_date=today,
            display_format="YYYY-MM-DD",
            first_day_of_week=1,  # weeks begin on Monday in Tanzania and in French-speaking Africa
            start_date_placeholder_text=_("Start date"),  # Dash's own default is English
            end_date_placeholder_text=_("End date"),
        ),
        dcc.Dropdown(
            id=fid(page, "sites"),
            options=site_options(user),
            multi=True,
            placeholder=_("All sites (type to search)"),
            className="vn-filter",
        ),
    ]
    if agents and not access.own_only(user):
        children.append(
            dcc.Dropdown(
                id=fid(page, "agents"),
                options=agent_options(user),
                multi=True,
                placeholder=_("All agents (type to search)"),
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
                placeholder=_("All packages"),
                className="vn-filter",
            )
        )
    else:
        children.append(_hidden(fid(page, "packages")))
    return html.Div(children, className="vn-filters")


def site_options(user, search: str = "", chosen=()) -> list[dict]:
    """The chosen sites, then up to OPTIONS of the user's sites whose name or code matches."""
    sites = sites_visible_to(user)
    picked = list(sites.filter(pk__in=list(chosen or ())).values_list("pk", "name"))
    for word in search.split():
        sites = sites.filter(Q(name__icontains=word) | Q(code__icontains=word))
    found = sites.exclude(pk__in=[pk for pk, _n in picked]).order_by("name")
    rows = picked + list(found.values_list("pk", "name")[:OPTIONS])
    return [{"label": name, "value": str(pk)} for pk, name in rows]


def agent_options(user, search: str = "", chosen=()) -> list[dict]:
    """The chosen agents, then up to OPTIONS agents whose name or username matches (none for
    an agent, who sees only their own figures)."""
    if access.own_only(user):
        return []
    agents = User.objects.filter(groups__name=Role.AGENT)
    picked = list(agents.filter(pk__in=list(chosen or ())))
    for word in search.split():  # "agent one": each word in the username or a name
        agents = agents.filter(
            Q(username__icontains=word)
            | Q(first_name__icontains=word)
            | Q(last_name__icontains=word)
        )
    found = agents.exclude(pk__in=[u.pk for u in picked]).order_by("username")[:OPTIONS]
    return [
        {"label": u.get_full_name() or u.username, "value": str(u.pk)} for u in picked + list(found)
    ]


def _searchable(page: str) -> None:
    """Typing in the site or agent box asks the server for matches (once per page)."""
    if page in _SEARCHABLE:
        return
    _SEARCHABLE.add(page)
    for name, options in (("sites", site_options), ("agents", agent_options)):

        @callback(
            Output(fid(page, name), "options"),
            Input(fid(page, name), "search_value"),
            State(fid(page, name), "value"),
            prevent_initial_call=True,
        )
        def search(text, chosen, options=options):
            if not text:
                raise PreventUpdate
            return options(access.current_user.get(), text.strip()[:80], chosen)


_SEARCHABLE: set[str] = set()


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
    """Readable on a phone and a desktop: small margins, legend below, currency on the axis,
    numbers grouped as the reader's language writes them (erp.core.formats.chart_formats)."""
    fmt = chart_formats()
    fig.update_layout(
        template=TEMPLATE,
        height=height,
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        legend={"orientation": "h", "yanchor": "top", "y": -0.15, "x": 0},
        font={"size": 12},
        separators=fmt["separators"],
    )
    money = {
        "tickprefix": fmt["money_prefix"],
        "ticksuffix": fmt["money_suffix"],
        "tickformat": fmt["money_tick"],
        # an axis of small sums (all zero: -1 to 1) steps by less than one: whole numbers
        # would label two ticks "TSh 1"
        "tickformatstops": [
            {"dtickrange": [None, 1], "value": ",.2~f"},
            {"dtickrange": [1, None], "value": fmt["money_tick"]},
        ],
        "automargin": True,
    }
    if money_axis == "y":
        fig.update_yaxes(**money)
    elif money_axis == "x":
        fig.update_xaxes(**money)
    fig.update_xaxes(automargin=True)
    return fig


@functools.cache
def _plotly_locale(language: str) -> dict | None:
    """Plotly's own texts and month/day names for `language` (plotly.js-locales 3.7.0, MIT,
    vendored as JSON in dashboards/locales/), or None for English (Plotly's default)."""
    path = Path(__file__).with_name("locales") / f"{language}.json"
    return json.loads(path.read_text()) if path.exists() else None


def graph_config(*, static: bool = False) -> dict:
    """A graph's Plotly config in the reader's language (date axes' month names, "Nov" →
    "nov." in French, the mode bar's tooltips); ``static``: a sparkline, no interaction."""
    language = active_language()
    config = {"staticPlot": True} if static else {"displaylogo": False, "responsive": True}
    data = _plotly_locale(language)
    if data is not None:
        names = calendar_names(language)  # as the pages and date pickers name them
        data = {
            **data,
            "format": {
                **data["format"],
                "months": names["months"],
                "shortMonths": names["months_short"],
                "days": names["days"],
                "shortDays": names["days_short"],
            },
        }
        config.update(locale=language, locales={language: data})
    return config


def money_value(field: str) -> str:
    """A Plotly template for a money value (``x``, ``marker.color`` …) as the reader writes it:
    'TSh 1,000' in English and Swahili, '1 000 TSh' in French."""
    fmt = chart_formats()
    return f"{fmt['money_prefix']}%{{{field}:{fmt['money_hover']}}}{fmt['money_suffix']}"


def money_hover(axis: str = "y") -> str:
    """The hover line of a money point: the label, then the amount."""
    return f"%{{{'x' if axis == 'y' else 'y'}}}<br>{money_value(axis)}<extra></extra>"


def floats(series: pd.Series) -> list[float]:
    """Money (Decimal) as floats, for drawing only."""
    return [float(v) for v in series]


def ranked_bars(frame: pd.DataFrame, label: str, value: str, colour: str, **bar) -> go.Figure:
    """The first MAX_BARS rows of a ranked frame as horizontal money bars, the first on top,
    tall enough for every label. ``bar``: more go.Bar settings (customdata, hovertemplate)."""
    top = frame.head(MAX_BARS).iloc[::-1]
    bar.setdefault("hovertemplate", money_hover("x"))
    if callable(bar.get("customdata")):
        bar["customdata"] = bar["customdata"](top)
    fig = go.Figure(
        go.Bar(
            y=list(top[label]),
            x=floats(top[value]),
            orientation="h",
            marker_color=colour,
            **bar,
        )
    )
    return style(fig, money_axis="x", height=max(300, 22 * len(top) + 60))


def empty(message: str | None = None) -> go.Figure:
    """A blank figure saying why, in the language of the request (built per callback)."""
    fig = go.Figure()
    fig.add_annotation(
        text=message or _("No data for these filters"), showarrow=False, font={"size": 14}
    )
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return style(fig, money_axis=None, height=200)


def chart(
    page: str,
    name: str,
    title: str,
    data: Callable[[Filters], pd.DataFrame],
    draw: Callable[[pd.DataFrame], go.Figure],
    actions: Callable[[], list] = list,
) -> Callable[[], html.Div]:
    """Register the figure and CSV callbacks of one chart; returns its layout function.
    ``title``: the pages declare their charts at import, so it is a lazy translation, made
    text in the layout, for the language of the request that shows it. ``actions``: more
    buttons for the card's head, beside CSV (their callbacks are the page's)."""
    _searchable(page)
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
        return dcc.send_data_frame(text_frame(frame).to_csv, f"{name}.csv", index=False)

    def layout() -> html.Div:
        return html.Div(
            [
                html.Div(
                    [
                        html.H3(str(title)),
                        *actions(),
                        html.Button(
                            "CSV",
                            id=csv_id,
                            className="vn-csv",
                            title=_("Download this chart's data as CSV"),
                        ),
                    ],
                    className="vn-card-head",
                ),
                dcc.Loading(dcc.Graph(id=graph_id, config=graph_config())),
                dcc.Download(id=download_id),
            ],
            className="vn-card",
        )

    return layout
