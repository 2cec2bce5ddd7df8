"""Charts in the reader's language: Plotly's month names and tooltips come with each graph's
config (plotly.js-locales' data, vendored), so a Swahili date axis reads "Novemba"."""

from __future__ import annotations

from django.utils import translation

from dashboards.components import graph_config


def test_a_graph_speaks_the_readers_language():
    with translation.override("sw"):
        config = graph_config()
        assert config["locale"] == "sw"
        assert config["locales"]["sw"]["format"]["months"][10] == "Novemba"
        # plotly.js-locales left Swahili's short days in English: ours come from the catalogs
        assert config["locales"]["sw"]["format"]["shortDays"][1] == "Jtatu"
        assert config["displaylogo"] is False
    with translation.override("fr"):
        sparkline = graph_config(static=True)
        assert sparkline["staticPlot"] is True and "responsive" not in sparkline
        assert sparkline["locales"]["fr"]["format"]["months"][10] == "novembre"  # lower case
    with translation.override("en"):
        assert "locale" not in graph_config()  # Plotly's own English
