"""Finance: profit per site, expenses by category, revenue per month, equipment value."""

from __future__ import annotations

import plotly.graph_objects as go
from dash import html
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from analytics import assets, finance, sales

from .. import components as c

PAGE = "finance"


def _profit(frame):
    top = frame.sort_values("profit", ascending=False).head(c.MAX_BARS)
    fig = go.Figure(
        go.Bar(
            x=list(top["name"]),
            y=c.floats(top["profit"]),
            marker_color=["#2e7d32" if v >= 0 else "#c62828" for v in top["profit"]],
            hovertemplate=c.money_hover(),
        )
    )
    return c.style(fig)


def _expenses(frame):
    return c.ranked_bars(frame, "category_name", "amount", "#6a1b9a")  # the largest on top


def _monthly(frame):
    fig = go.Figure()
    months = [formats.date_format(m, "M Y") for m in frame["month"]]  # in the active language
    fig.add_bar(
        x=months, y=c.floats(frame["revenue"]), name=_("revenue"), hovertemplate=c.money_hover()
    )
    fig.add_bar(
        x=months, y=c.floats(frame["refunds"]), name=_("refunds"), hovertemplate=c.money_hover()
    )
    fig.update_xaxes(type="category")  # one bar a month (a date axis drew "00:00:00" ticks)
    return c.style(fig)


def _equipment(frame):
    return c.ranked_bars(
        frame,
        "site_name",
        "value",
        "#5d4037",
        customdata=lambda top: top[["assets", "deployed", "in_repair"]].astype(int).values.tolist(),
        hovertemplate=(
            "%{y}<br>"
            + c.money_value("x")
            + "<br>"
            + _(
                "%(assets)s assets (%(deployed)s deployed, %(in_repair)s in repair)",
            )
            % {
                "assets": "%{customdata[0]}",
                "deployed": "%{customdata[1]}",
                "in_repair": "%{customdata[2]}",
            }
            + "<extra></extra>"
        ),
    )


profit = c.chart(
    PAGE, "profit", gettext_lazy("Profit per site (top 25)"), finance.profit_by_site, _profit
)
expenses = c.chart(
    PAGE,
    "expenses",
    gettext_lazy("Approved expenses by category"),
    finance.expenses_by_category,
    _expenses,
)
monthly = c.chart(
    PAGE, "monthly", gettext_lazy("Revenue and refunds per month"), sales.revenue_by_month, _monthly
)
equipment = c.chart(
    PAGE,
    "equipment",
    gettext_lazy(
        "Equipment value per site, at purchase cost (now; the period does not apply; top 25)"
    ),
    assets.asset_value_by_site,
    _equipment,
)


def layout():
    return html.Div(
        [
            c.filter_bar(PAGE, days=90, agents=False, packages=False),
            html.Div([profit(), expenses(), monthly(), equipment()], className="vn-grid"),
        ]
    )
