"""Finance: profit per site, expenses by category, revenue per month."""

from __future__ import annotations

import plotly.graph_objects as go
from dash import html

from analytics import finance, sales

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
    fig = go.Figure(
        go.Bar(
            y=list(frame["category_name"]),
            x=c.floats(frame["amount"]),
            orientation="h",
            hovertemplate=c.money_hover("x"),
            marker_color="#6a1b9a",
        )
    )
    return c.style(fig, money_axis="x")


def _monthly(frame):
    fig = go.Figure()
    months = [m.strftime("%Y-%m") for m in frame["month"]]
    fig.add_bar(
        x=months, y=c.floats(frame["revenue"]), name="revenue", hovertemplate=c.money_hover()
    )
    fig.add_bar(
        x=months, y=c.floats(frame["refunds"]), name="refunds", hovertemplate=c.money_hover()
    )
    return c.style(fig)


profit = c.chart(PAGE, "profit", "Profit per site (top 25)", finance.profit_by_site, _profit)
expenses = c.chart(
    PAGE, "expenses", "Approved expenses by category", finance.expenses_by_category, _expenses
)
monthly = c.chart(
    PAGE, "monthly", "Revenue and refunds per month", sales.revenue_by_month, _monthly
)


def layout():
    return html.Div(
        [
            c.filter_bar(PAGE, days=90, agents=False, packages=False),
            html.Div([profit(), expenses(), monthly()], className="vn-grid"),
        ]
    )
