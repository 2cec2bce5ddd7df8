"""Uptime % and mean time to repair, checked against hand arithmetic."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from erp.maintenance.choices import FaultStatus
from erp.maintenance.models import Downtime, Fault
from erp.maintenance.selectors import mean_time_to_repair, merged_seconds, uptime_by_site


def at(day, hour, minute=0):
    return datetime(2026, 1, day, hour, minute, tzinfo=UTC)


START, END = at(1, 0), at(2, 0)  # one day: 86,400 s


def test_merged_seconds_by_hand():
    # 06–09 and 08–10 overlap: 4 h once, not 5 h; 23:00 the day before – 01:00 counts 1 h
    intervals = [
        (at(1, 6), at(1, 9)),
        (at(1, 8), at(1, 10)),
        (at(1, 23) - timedelta(days=1), at(1, 1)),
    ]
    assert merged_seconds(intervals, START, END) == 5 * 3600
    # an interval inside another adds nothing; touching intervals join
    assert (
        merged_seconds(
            [(at(1, 1), at(1, 5)), (at(1, 2), at(1, 3)), (at(1, 5), at(1, 6))], START, END
        )
        == 5 * 3600
    )
    assert merged_seconds([], START, END) == 0


@pytest.mark.django_db
def test_uptime_per_site_with_overlaps_boundaries_and_an_open_outage(make_site):
    busy, quiet, still_down = make_site(), make_site(), make_site()
    for started, ended in [
        (at(1, 23) - timedelta(days=1), at(1, 1)),  # crosses the start: 1 h inside
        (at(1, 6), at(1, 9)),
        (at(1, 8), at(1, 10)),  # overlaps the previous: 06–10 = 4 h
        (at(1, 23, 30), at(2, 2)),  # crosses the end: 0.5 h inside
        (at(2, 3), at(2, 5)),  # after the period: nothing
    ]:
        Downtime.objects.create(site=busy, started_at=started, ended_at=ended)
    Downtime.objects.create(site=still_down, started_at=at(1, 12), ended_at=None)

    result = uptime_by_site(start=START, end=END, sites=[busy, quiet, still_down], now=at(1, 18))

    # busy: 1 + 4 + 0.5 = 5.5 h down = 19,800 s; 1 − 19,800 / 86,400 = 77.0833 %
    assert result[busy.pk] == {"down_seconds": 19800, "uptime_percent": 77.083}
    assert result[quiet.pk] == {"down_seconds": 0, "uptime_percent": 100.0}
    # still down since 12:00, now 18:00: 6 h = 25 %
    assert result[still_down.pk] == {"down_seconds": 21600, "uptime_percent": 75.0}


@pytest.mark.django_db
def test_mean_time_to_repair_over_faults_closed_in_the_period(make_site):
    site = make_site()

    def fault(reported, restored, closed, status=FaultStatus.CLOSED):
        return Fault.objects.create(
            site=site,
            description="x",
            severity="major",
            status=status,
            reported_at=reported,
            restored_at=restored,
            closed_at=closed,
            due_at=reported + timedelta(hours=24),
        )

    fault(at(1, 0), at(1, 2), at(1, 3))  # 2 h
    fault(at(1, 10), at(1, 16), at(1, 17))  # 6 h
    fault(at(1, 20), None, at(1, 21))  # no restore time recorded: closed − reported = 1 h
    fault(at(1, 1), at(2, 1), at(2, 2))  # closed after the period: not counted
    fault(at(1, 4), at(1, 5), None, status=FaultStatus.REPAIRED)  # not closed: not counted

    assert mean_time_to_repair(start=START, end=END) == timedelta(hours=3)  # (2 + 6 + 1) / 3
    assert mean_time_to_repair(start=at(5, 0), end=at(6, 0)) is None
