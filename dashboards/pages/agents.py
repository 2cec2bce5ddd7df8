"""Agents: commission, balance owed, and voucher stock ageing unsold."""

from __future__ import annotations

from functools import partial

import plotly.graph_objects as go
from dash import html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from analytics import agents

from .. import components as c

PAGE = "agents"


def _balances(frame):
    top = frame.head(c.MAX_BARS)
    fig = go.Figure()
    names = list(top["agent_name"])
    fig.add_bar(
        x=names,
        y=c.floats(top["balance_owed"]),
        name=_("balance owed"),
        hovertemplate=c.money_hover(),
        marker_color="#c62828",
    )
    fig.add_bar(
        x=names,
        y=c.floats(top["commission"]),
        name=_("commission"),
        hovertemplate=c.money_hover(),
        marker_color="#00897b",
    )
    fig.add_bar(
        x=names,
        y=c.floats(top["collected"]),
        name=_("collected"),
        hovertemplate=c.money_hover(),
        marker_color="#0d47a1",
    )
    return c.style(fig)


def _aging(frame):
    top = frame.head(c.MAX_BARS)
    fig = go.Figure()
    for label, colour in zip(
        [*(lbl for _d, lbl in agents.AGE_BUCKETS), agents.OLDEST],
        ["#a5d6a7", "#fff59d", "#ffcc80", "#ef9a9a"],
        strict=True,
    ):
        fig.add_bar(
            x=list(top["agent_name"]),
            y=[int(v) for v in top[label]],
            name=_(label),  # the buckets are marked with gettext_noop
            marker_color=colour,
        )
    fig.update_layout(barmode="stack")
    return c.style(fig, money_axis=None)


balances = c.chart(
    PAGE,
    "balances",
    gettext_lazy("Balance owed, commission and cash collected (top 25 owed)"),
    partial(agents.agent_figures, top=c.MAX_BARS),
    _balances,
)
aging = c.chart(
    PAGE,
    "aging",
    gettext_lazy("Unsold vouchers by age (stock now; the period does not apply; 25 oldest)"),
    partial(agents.stock_aging, top=c.MAX_BARS),
    _aging,
)


def layout():
    return html.Div([c.filter_bar(PAGE), html.Div([balances(), aging()], className="vn-grid")])
