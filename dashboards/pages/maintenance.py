"""Maintenance: a placeholder until the maintenance module (faults, downtime) is installed."""

from __future__ import annotations

from dash import html


def layout():
    return html.Div(
        [
            html.H3("Maintenance module not installed"),
            html.P(
                "Open faults by severity, mean time to repair and uptime per site appear here "
                "once the maintenance module (faults and downtime records) is installed."
            ),
        ],
        className="vn-card vn-placeholder",
        id="maintenance-placeholder",
    )
