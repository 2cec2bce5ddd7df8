"""The Support page's figures against hand arithmetic: tickets per day by channel, categories,
first-response and resolution p50/p90 against the SLA, breaches, backlog per team, ratings."""

from __future__ import annotations

import datetime as dt

import pytest

from analytics import support
from analytics.filters import Filters
from erp.support.models import Category, Ticket
from erp.support.services import seed_categories

from .conftest import local

PERIOD = Filters(start=dt.date(2026, 10, 1), end=dt.date(2026, 10, 3))
MIN = dt.timedelta(minutes=1)


def _ticket(n, *, at, channel="sms", category="paid_no_voucher", status="resolved", **fields):
    cat = Category.objects.get_or_create(
        slug=category, defaults={"name": category, "team": "billing"}
    )[0]
    ticket = Ticket.objects.create(
        number=800000 + n,
        channel=channel,
        subject=f"t{n}",
        category=cat,
        status=status,
        first_response_due=at + 30 * MIN,
        resolution_due=at + 480 * MIN,
        **fields,
    )
    Ticket.objects.filter(pk=ticket.pk).update(created_at=at)
    return ticket


@pytest.fixture
def tickets(db):
    seed_categories()  # a transactional test's flush may have removed the seeded ones
    day1, day2 = local(2026, 10, 1, 9), local(2026, 10, 2, 9)
    _ticket(1, at=day1, first_responded_at=day1 + 10 * MIN, resolved_at=day1 + 100 * MIN, rating=5)
    _ticket(2, at=day1, first_responded_at=day1 + 20 * MIN, resolved_at=day1 + 200 * MIN, rating=4)
    _ticket(
        3,
        at=day2,
        channel="email",
        first_responded_at=day2 + 40 * MIN,
        resolved_at=day2 + 600 * MIN,
        first_response_breached=True,
        resolution_breached=True,
        rating=1,
    )
    _ticket(4, at=day2, channel="email", category="equipment", status="new")
    Category.objects.filter(slug="equipment").update(team="field")
    _ticket(5, at=local(2026, 9, 30, 9), status="waiting")  # before the period: backlog only


def test_tickets_per_day_and_by_category(tickets):
    frame = support.tickets_per_day(PERIOD)
    assert frame[["day", "channel", "tickets"]].to_dict("records") == [
        {"day": dt.date(2026, 10, 1), "channel": "sms", "tickets": 2},
        {"day": dt.date(2026, 10, 2), "channel": "email", "tickets": 2},
    ]
    assert support.tickets_by_category(PERIOD).to_dict("records") == [
        {"category": "Paid but no voucher", "tickets": 3},
        {"category": "Equipment", "tickets": 1},
    ]


def test_response_times_against_the_sla_and_breaches(tickets):
    frame = support.response_times(PERIOD).set_index("measure")
    # first responses 10, 20, 40 min: p50 20, p90 36 (linear); SLA 30 min; 1 late
    assert frame.loc["first response"].to_dict() == {
        "p50": 20.0,
        "p90": 36.0,
        "target": 30.0,
        "measured": 3,
        "breaches": 1,
    }
    # resolutions 100, 200, 600 min: p50 200, p90 520; SLA 480 min; 1 late
    assert frame.loc["resolution"].to_dict() == {
        "p50": 200.0,
        "p90": 520.0,
        "target": 480.0,
        "measured": 3,
        "breaches": 1,
    }


def test_backlog_per_team_and_satisfaction(tickets):
    backlog = support.backlog_by_team(PERIOD).set_index("team")
    assert backlog.loc["billing", ["new", "open", "waiting", "total"]].tolist() == [0, 0, 1, 1]
    assert backlog.loc["field", "total"] == 1 and backlog.loc["customer_care", "total"] == 0
    assert support.satisfaction(PERIOD)["tickets"].tolist() == [1, 0, 0, 1, 1]


def test_response_times_with_nothing_answered_yet(tickets):
    before = Filters(start=dt.date(2026, 9, 30), end=dt.date(2026, 10, 1))
    frame = support.response_times(before)
    assert frame["measured"].tolist() == [0, 0] and frame["p50"].isna().all()
    assert frame["target"].tolist() == [30.0, 480.0]
    empty = support.response_times(Filters(start=dt.date(2020, 1, 1), end=dt.date(2020, 1, 2)))
    assert empty["measured"].tolist() == [0, 0]
