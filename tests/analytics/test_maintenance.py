"""Open faults, uptime % and MTTR per site, against hand arithmetic and the maintenance API."""

from __future__ import annotations

import datetime as dt

import pytest

from analytics import maintenance
from analytics.filters import Filters
from erp.maintenance import selectors

from .conftest import local

PERIOD = Filters(start=dt.date(2026, 10, 1), end=dt.date(2026, 10, 3))
LATER = local(2026, 11, 1)  # "now": after the period, Beta's open outage counts to its end


@pytest.mark.django_db
def test_open_faults_by_severity_and_site(repairs):
    frame = maintenance.open_faults_by_severity(PERIOD)
    assert frame.to_dict("records") == [
        {"severity": "critical", "label": "Critical", "faults": 1},
        {"severity": "major", "label": "Major", "faults": 2},
        {"severity": "minor", "label": "Minor", "faults": 1},
    ]
    beta = str(repairs["beta"].pk)
    only_beta = maintenance.open_faults_by_severity(Filters(PERIOD.start, PERIOD.end, (beta,)))
    assert list(only_beta["faults"]) == [0, 0, 1]

    by_site = maintenance.open_faults_by_site(PERIOD)
    assert by_site.drop(columns="site").to_dict("records") == [
        {"site_name": "Alpha", "critical": 1, "major": 2, "minor": 0, "total": 3},
        {"site_name": "Beta", "critical": 0, "major": 0, "minor": 1, "total": 1},
    ]
    assert list(by_site["site"]) == [str(repairs["alpha"].pk), beta]


@pytest.mark.django_db
def test_uptime_per_site_by_hand_and_equal_to_the_selector(repairs):
    frame = maintenance.uptime_by_site(PERIOD, now=LATER)
    assert frame.drop(columns="site").to_dict("records") == [
        {"site_name": "Alpha", "down_seconds": 25200, "uptime_percent": 85.417},
        {"site_name": "Beta", "down_seconds": 9360, "uptime_percent": 94.583},
    ]
    alpha, beta = repairs["alpha"], repairs["beta"]
    direct = selectors.uptime_by_site(
        start=local(2026, 10, 1), end=local(2026, 10, 3), sites=[alpha, beta], now=LATER
    )
    assert {r["site"]: r["uptime_percent"] for r in frame.to_dict("records")} == {
        str(alpha.pk): direct[alpha.pk]["uptime_percent"],
        str(beta.pk): direct[beta.pk]["uptime_percent"],
    }
    # The first day alone: Alpha 2 h + 4 h down of 24 h = 75 %; Beta untouched = 100 %
    first_day = maintenance.uptime_by_site(Filters(PERIOD.start, dt.date(2026, 10, 2)))
    assert list(first_day["uptime_percent"]) == [75.0, 100.0]


@pytest.mark.django_db
def test_mttr_per_site_by_hand_and_equal_to_the_selectors(repairs):
    frame = maintenance.mttr_by_site(PERIOD)
    assert frame.drop(columns="site").to_dict("records") == [
        {"site_name": "Alpha", "mttr_seconds": 3 * 3600, "mttr_hours": 3.0},
        {"site_name": "Beta", "mttr_seconds": 6 * 3600, "mttr_hours": 6.0},
    ]
    start, end = local(2026, 10, 1), local(2026, 10, 3)
    assert selectors.mean_time_to_repair(
        start=start, end=end, sites=[repairs["alpha"]]
    ) == dt.timedelta(hours=3)
    # A period without closed faults has no rows (not zero hours)
    assert maintenance.mttr_by_site(Filters(dt.date(2026, 10, 5), dt.date(2026, 10, 6))).empty


@pytest.mark.django_db
def test_figures_equal_the_maintenance_api(repairs, api, admin_user):
    response = api(admin_user).get("/api/v1/downtimes/uptime/?start=2026-10-01&end=2026-10-03")
    assert response.status_code == 200
    from_api = {r["site"]: r for r in response.json()}
    uptime = maintenance.uptime_by_site(PERIOD)
    mttr = maintenance.mttr_by_site(PERIOD).set_index("site")
    for row in uptime.to_dict("records"):
        assert from_api[row["site"]]["uptime_percent"] == row["uptime_percent"]
        assert from_api[row["site"]]["down_seconds"] == row["down_seconds"]
        assert from_api[row["site"]]["mttr_seconds"] == mttr.loc[row["site"], "mttr_seconds"]
