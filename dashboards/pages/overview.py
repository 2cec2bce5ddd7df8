"""Overview: today, this week, this month, with trend sparklines."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from urllib.parse import urlencode

import plotly.graph_objects as go
from dash import Input, Output, callback, dcc, html
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop, ngettext

from analytics import overview, sales, vouchers
from analytics.filters import local_midnight
from dashboards import access
from erp.core.money import format_money
from erp.core.spreadsheet import text_frame
from erp.sales.choices import PaymentMethod

from .. import components as c

PAGE = "overview"
# Translated when drawn (gettext at request time): these are read at import.
LABELS = {
    "today": gettext_noop("Today"),
    "week": gettext_noop("This week"),
    "month": gettext_noop("This month"),
}


def _trend(filters):
    today = timezone.localdate()
    first = min(today - dt.timedelta(days=29), today.replace(day=1))
    return replace(filters, start=first, end=today + dt.timedelta(days=1))


def _daily(frame):
    fig = go.Figure(
        go.Bar(
            x=list(frame["day"]),
            y=c.floats(frame["net"]),
            hovertemplate=c.money_hover(),
            marker_color="#0d47a1",
        )
    )
    return c.style(fig)


def _packages(frame):
    fig = go.Figure()
    for method, part in frame.groupby("payment_method"):
        fig.add_bar(
            x=list(part["package_name"]),
            y=c.floats(part["revenue"]),
            name=_method_label(method),
            hovertemplate=c.money_hover(),
        )
    fig.update_layout(barmode="stack")
    return c.style(fig)


def _method_label(method: str) -> str:
    """A payment method as the legend names it: the choice's label, in the request's
    language (the rollup keeps the stored value)."""
    return str(dict(PaymentMethod.choices).get(method, method))


def _ending(frame):
    days = [formats.date_format(d, "D d M") for d in frame["day"]]  # in the active language
    agreed = [int(n) for n in frame["clients_consent"]]
    others = [int(n) - a for n, a in zip(frame["clients"], agreed, strict=True)]
    fig = go.Figure()
    fig.add_bar(x=days, y=agreed, name=_("clients (may remind)"), marker_color="#00897b")
    fig.add_bar(x=days, y=others, name=_("clients (no consent)"), marker_color="#b0bec5")
    vouchers_ = [int(n) for n in frame["vouchers"]]
    fig.add_scatter(x=days, y=vouchers_, name=_("vouchers"), mode="lines+markers")
    fig.update_layout(barmode="stack")
    fig.update_xaxes(type="category")
    most = max([*vouchers_, *(int(n) for n in frame["clients"]), 1])
    # whole numbers: a step of one while the counts are small (plotly would draw 0.5s)
    fig.update_yaxes(rangemode="tozero", title=_("how many"), dtick=1 if most <= 10 else None)
    return c.style(fig, money_axis=None)


def _remind_button() -> list:
    return [
        html.Button(
            _("Clients to remind"),
            id=c.fid(PAGE, "remind"),
            className="vn-csv",
            title=_(
                "Download, as CSV, the clients whose access ends in the next 7 days and who "
                "agreed to marketing messages (soonest first, at most 5,000)"
            ),
        ),
        dcc.Download(id=c.fid(PAGE, "remind-dl")),
        # the same clients, reminded: opens a campaign prefilled with this audience
        html.A(
            _("Remind them by SMS"),
            id=c.fid(PAGE, "remind-sms"),
            className="vn-csv",
            href=remind_campaign_url(None),
            target="_top",
            title=_(
                "Open a new SMS campaign to the clients whose access ends in the next 7 "
                "days (only those who agreed to marketing SMS receive it)"
            ),
            style={"display": "inline-block"},
        ),
    ]


REMIND_CAMPAIGN_TEMPLATE = "offer"


def remind_campaign_url(site: str | None, *, now: dt.datetime | None = None) -> str:
    """The campaigns page prefilled with the chart's audience: access ending before local
    midnight seven days on (in whole hours, rounded up), and the site when one is chosen."""
    now = now or timezone.now()
    within = local_midnight(timezone.localdate() + dt.timedelta(days=7)) - now
    hours = max(1, -(-int(within.total_seconds()) // 3600))
    query = {
        "name": _("Access ending %(day)s")
        % {"day": formats.date_format(timezone.localdate(), "d M")},
        "expiring_within_hours": hours,
        "template": REMIND_CAMPAIGN_TEMPLATE,
    }
    if site:
        query["site"] = site
    return f"{reverse('sms:campaigns')}?{urlencode(query)}"


@callback(
    Output(c.fid(PAGE, "remind-sms"), "href"),
    Output(c.fid(PAGE, "remind-sms"), "style"),
    *c.filter_inputs(PAGE),
)
def remind_link(_start, _end, sites, _agents, _packages):
    """The link follows the site filter (one site chosen: that site); hidden from those who
    may not start a campaign."""
    user = access.current_user.get()
    may = bool(user and user.has_perm("messaging.add_campaign"))
    chosen = [str(s) for s in (sites or [])]
    href = remind_campaign_url(chosen[0] if len(chosen) == 1 else None)
    return href, {"display": "inline-block" if may else "none"}


@callback(
    Output(c.fid(PAGE, "remind-dl"), "data"),
    Input(c.fid(PAGE, "remind"), "n_clicks"),
    *c.filter_states(PAGE),
    prevent_initial_call=True,
)
def remind(_clicks, start, end, sites, agents, packages):
    """The chart's clients who may be messaged: the same seven local days."""
    filters = c.make_filters(start, end, sites, agents, packages)
    now = timezone.now()
    within = local_midnight(timezone.localdate() + dt.timedelta(days=7)) - now
    frame = vouchers.clients_to_remind(filters, within=within, now=now, consented_only=True)
    # Names and notes are user text: never formulas in the spreadsheet that opens this.
    return dcc.send_data_frame(text_frame(frame).to_csv, "clients-to-remind.csv", index=False)


daily = c.chart(PAGE, "daily", gettext_lazy("Net revenue per day"), sales.revenue_by_day, _daily)
ending = c.chart(
    PAGE,
    "ending",
    gettext_lazy("Access ending in the next 7 days (now; the period does not apply)"),
    vouchers.expiring_by_day,
    _ending,
    actions=_remind_button,
)
by_package = c.chart(
    PAGE,
    "packages",
    gettext_lazy("Sales by package and payment method"),
    sales.sales_by_package,
    _packages,
)


def _sparkline(values) -> dict:
    fig = go.Figure(
        go.Scatter(y=values, mode="lines", line={"width": 2, "color": "#00897b"}, hoverinfo="skip")
    )
    fig.update_layout(
        height=40,
        margin={"l": 0, "r": 0, "t": 0, "b": 0},
        xaxis={"visible": False},
        yaxis={"visible": False},
        plot_bgcolor="rgba(0,0,0,0)",
        paper_bgcolor="rgba(0,0,0,0)",
    )
    return fig


@callback(Output(c.fid(PAGE, "kpis"), "children"), *c.filter_inputs(PAGE))
def kpis(start, end, sites, agents, packages):
    filters = c.make_filters(start, end, sites, agents, packages)
    trend = sales.revenue_by_day(_trend(filters))  # the last 30 days and this month, once
    head = overview.headline(filters, daily=trend)
    days = {row.day: row for row in trend.itertuples()}
    today = timezone.localdate()
    series = [days.get(d) for d in (today - dt.timedelta(days=29 - i) for i in range(30))]
    net = [float(r.net) if r else 0.0 for r in series]
    count = [r.sales if r else 0 for r in series]
    cards = []
    for row in head.itertuples():
        cards.append(
            html.Div(
                [
                    html.Div(_(LABELS[row.period]), className="vn-kpi-label"),
                    html.Div(format_money(row.net), className="vn-kpi-value"),
                    html.Div(
                        ngettext("%(n)s sale", "%(n)s sales", row.sales) % {"n": f"{row.sales:,}"},
                        className="vn-kpi-sub",
                    ),
                ],
                className="vn-kpi",
            )
        )
    cards[0].children.append(
        dcc.Graph(figure=_sparkline(net), config=c.graph_config(static=True), className="vn-spark")
    )
    cards[1].children.append(
        dcc.Graph(
            figure=_sparkline(count), config=c.graph_config(static=True), className="vn-spark"
        )
    )
    first = head.iloc[0] if len(head) else None
    cards.append(
        html.Div(
            [
                html.Div(_("Active users now"), className="vn-kpi-label"),
                html.Div(
                    f"{int(first['active_users']) if first is not None else 0:,}",
                    className="vn-kpi-value",
                ),
            ],
            className="vn-kpi",
        )
    )
    cards.append(
        html.Div(
            [
                html.Div(_("Sites down"), className="vn-kpi-label"),
                html.Div(
                    f"{int(first['sites_down']) if first is not None else 0:,}",
                    className="vn-kpi-value",
                ),
            ],
            className="vn-kpi",
        )
    )
    return cards


def layout():
    return html.Div(
        [
            c.filter_bar(PAGE),
            html.Div(id=c.fid(PAGE, "kpis"), className="vn-kpis"),
            html.Div([daily(), by_package(), ending()], className="vn-grid"),
        ]
    )
