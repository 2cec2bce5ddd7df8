"""The sales report's summaries and sizes from the rollups are the raw query's, exactly.

The shop of conftest (October–November 2026) is rolled up an hour after it was made; then,
after the watermark, two sales of today (one online), a sale synced late from a phone for
15 October and a refund of the 1 October sale arrive. The report over 20 September to the end
of November (or today) reads the rollups for the days they hold whole and the sales for the
others (15 October and today): for Super Admin, a manager of site A and agent two it must
equal the report built from the raw sales alone, table by table.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from django.utils import timezone

from analytics import reports, rollups, sales_summaries
from analytics.models import (
    AgentDaily,
    ChannelDaily,
    PackageDaily,
    RollupState,
    SalesDaily,
    SiteDaily,
    SiteMonthly,
)
from erp.accounts.roles import Role
from erp.core.scoping import AgentRows, RowScope
from erp.sales.models import Refund, Remittance, Sale
from tests.analytics.conftest import local, refund, sell

START = dt.date(2026, 9, 20)
LATE_DAY = dt.date(2026, 10, 15)


def _end() -> dt.date:
    return max(timezone.localdate(), dt.date(2026, 11, 30)) + dt.timedelta(days=1)


@pytest.fixture
def rolled(shop, admin_user, make_user):
    """The shop on three channels, rolled up, then four rows the rollups do not hold yet."""
    s = shop["sales"]
    Sale.objects.filter(pk=s[2].pk).update(channel="desk")
    Sale.objects.filter(pk=s[4].pk).update(channel="online")
    an_hour_ago = timezone.now() - dt.timedelta(hours=1)
    for model in (Sale, Refund, Remittance):
        model.objects.update(created_at=an_hour_ago)
    rollups.refresh()
    assert RollupState.objects.get().watermark is not None

    one, two = shop["agents"]["one"], shop["agents"]["two"]
    hour = shop["packages"]["hour"]
    sell(one, hour, "cash", None)  # today
    online = sell(two, hour, "mobile", None)  # today, online
    Sale.objects.filter(pk=online.pk).update(channel="online")
    sell(two, hour, "cash", local(2026, 10, 15, 18))  # synced late for 15 October
    refund(s[0], admin_user, None)  # today, of a 1 October sale
    manager = make_user(Role.FINANCE, "fin-alpha", site_scope=[shop["sites"]["A"]])
    return {**shop, "manager": manager, "admin": admin_user}


def _report(actor, **kwargs):
    return reports.sales_report(actor=actor, start=START, end=_end(), preview=True, **kwargs)


def _raw(build):
    """``build()`` with the rollups out of the way, as after a migration cleared their
    watermark (nothing is rolled until the next refresh): every figure from the raw sales.
    The watermark comes back with the savepoint."""
    with transaction.atomic():
        RollupState.objects.update(watermark=None)
        built = build()
        transaction.set_rollback(True)
    return built


def _raw_report(actor):
    """The same report with every figure from the raw sales."""
    return _raw(lambda: _report(actor))


def _tables(report) -> list:
    return [(s.title, s.columns, s.rows, s.size) for s in report.sections]


@pytest.fixture
def short_preview(monkeypatch):
    """A preview of one row, so the detail tables' sizes are counted (by the rollups)."""
    monkeypatch.setattr(reports, "PREVIEW_ROWS", 1)


@pytest.mark.django_db
def test_summaries_from_the_rollups_equal_the_raw_ones_for_each_scope(rolled, short_preview):
    today = timezone.localdate()
    for actor in (rolled["admin"], rolled["manager"], rolled["agents"]["two"]):
        # when the report is read with the rollups and without them
        mine, raw = _report(actor), _raw_report(actor)
        # then every table is the same, rows, order and sizes
        assert _tables(mine) == _tables(raw), actor.username

    # and the rollups were read for the admin and the manager, over the days they hold whole
    how = sales_summaries.plan(rolled["admin"], START, _end())
    assert set(how.stale) == {LATE_DAY, today}
    assert how.sites == sales_summaries.EVERY_SITE
    assert sales_summaries.plan(rolled["manager"], START, _end()).sites != how.sites
    # an agent's own sales are not rows of the rollups: raw
    assert sales_summaries.plan(rolled["agents"]["two"], START, _end()) is None

    # the figures themselves (not only raw = rollups): a refunded sale still counts, three
    # channels, nine sales of which one refunded on 3 October, one today
    admin = {s.title: s for s in _report(rolled["admin"]).sections}
    assert [row[:3] for row in admin["Sales by channel"].rows] == [
        ["Agent", 6, Decimal("3750.50")],
        ["Desk", 1, Decimal("5000.00")],
        ["Online", 2, Decimal("1750.50")],
    ]
    assert [row[:3] for row in admin["Sales by site"].rows] == [
        ["Alpha", 4, Decimal("7250.50")],
        ["Beta", 5, Decimal("3250.50")],
    ]
    assert (admin["Sales"].size, admin["Refunds"].size) == (9, 3)
    manager = {s.title: s for s in _report(rolled["manager"]).sections}
    assert [row[0] for row in manager["Sales by site"].rows] == ["Alpha"]
    assert [row[0] for row in manager["Sales by seller"].rows] == ["one"]
    assert (manager["Sales"].size, manager["Refunds"].size) == (4, 2)
    agent = {s.title: s for s in _report(rolled["agents"]["two"]).sections}
    assert [row[:2] for row in agent["Sales by seller"].rows] == [["two", 5]]


@pytest.mark.django_db
def test_the_rolled_days_come_from_the_rollups_and_the_stale_ones_from_the_sales(
    rolled, short_preview
):
    # Given the figures as reported now
    admin = rolled["admin"]
    before = _tables(_report(admin))
    # When a rolled sale's amount changes behind the rollups' back (the app never edits a
    # sale: only a test can make the two sources disagree), and the rollup rows of a stale
    # day are inflated
    s5 = rolled["sales"][5]  # Beta, 3 November: a day the rollups hold
    Sale.objects.filter(pk=s5.pk).update(price=Decimal("700"), amount=Decimal("700"))
    for model in (SalesDaily, AgentDaily, ChannelDaily, PackageDaily, SiteDaily):
        model.objects.filter(day=LATE_DAY).update(sales_count=99, sales_amount=Decimal("9999"))
    # October has a stale day: read by days, not from its month's row
    SiteMonthly.objects.filter(month=dt.date(2026, 10, 1)).update(sales_count=99)
    # Then the report still reads 2 October from the rollups and 15 October from the sales:
    # nothing it shows moved
    assert _tables(_report(admin)) == before
    # while the raw report sees the edited sale
    by_site = {s.title: s for s in _raw_report(admin).sections}["Sales by site"]
    assert by_site.rows[1][:3] == ["Beta", 5, Decimal("3450.50")]


@pytest.mark.django_db
def test_whole_months_come_from_the_monthly_rollups(rolled, monkeypatch):
    # Given October whole and rolled (the period 1–31 October, its late sale rolled up too)
    rollups.refresh()
    Sale.objects.update(created_at=timezone.now() - dt.timedelta(hours=1))
    Refund.objects.update(created_at=timezone.now() - dt.timedelta(hours=1))
    rollups.refresh()
    october = (dt.date(2026, 10, 1), dt.date(2026, 11, 1))
    admin = rolled["admin"]
    how = sales_summaries.plan(admin, *october)
    assert how.stale == () and how.months == [october]
    report = reports.sales_report(actor=admin, start=october[0], end=october[1])
    raw = _raw(lambda: reports.sales_report(actor=admin, start=october[0], end=october[1]))
    assert _tables(report) == _tables(raw)
    # A day with refunds and no sale (3 October): no summary row, as in the raw GROUP BY
    refunds_only = (dt.date(2026, 10, 3), dt.date(2026, 10, 4))
    report = reports.sales_report(actor=admin, start=refunds_only[0], end=refunds_only[1])
    assert sales_summaries.plan(admin, *refunds_only).stale == ()
    assert [s.rows for s in report.sections[:5]] == [[]] * 5
    assert len(report.sections[6].rows) == 1  # the refund
    # When the month's rollup row of site A is inflated, the summary by site shows it
    SiteMonthly.objects.filter(month=october[0], site=rolled["sites"]["A"]).update(sales_count=40)
    report = reports.sales_report(actor=admin, start=october[0], end=october[1])
    assert {s.title: s for s in report.sections}["Sales by site"].rows[0][:2] == ["Alpha", 40]


@pytest.mark.django_db
def test_the_raw_sales_are_read_when_the_rollups_cannot_give_the_same_days_or_scope(
    rolled, monkeypatch
):
    admin, manager = rolled["admin"], rolled["manager"]
    # a reader whose local midnights are not the rollups' (Dakar is UTC+0, the shop's days
    # are Dar es Salaam's, UTC+3) reads raw; Nairobi has the same midnights: rollups
    with timezone.override(ZoneInfo("Africa/Dakar")):
        assert sales_summaries.plan(admin, START, _end()) is None
        # 2 October in Dakar holds sale 3 (10:00 in Dar es Salaam), not sale 4 (00:30 in Dar
        # es Salaam, 21:30 on 1 October in Dakar), which the rollups' 2 October holds
        day = reports.sales_report(
            actor=admin, start=dt.date(2026, 10, 2), end=dt.date(2026, 10, 3)
        )
        assert [row[:2] for row in day.sections[0].rows] == [["Alpha", 1]]
    with timezone.override(ZoneInfo("Africa/Nairobi")):
        assert sales_summaries.plan(admin, START, _end()) is not None
    # if the row scope of sales stopped being "by site, agents their own", the rollups by
    # site would no longer be the person's sales: raw
    monkeypatch.setattr(
        Sale,
        "row_scope",
        RowScope(agent="seller", agents_see=AgentRows.OWN, staff_see_held=True),
    )
    assert sales_summaries.rollup_sites(manager) is None
    monkeypatch.undo()
    assert sales_summaries.rollup_sites(manager) is not None
    # rollups cleared by a migration (no watermark until the next refresh rebuilds them)
    RollupState.objects.update(watermark=None)
    assert sales_summaries.plan(admin, START, _end()) is None
    assert _tables(_report(admin)) == _tables(_raw_report(admin))
