"""Each analytics function against the hand-computed figures of the fixed shop (conftest)."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal as D

import pytest

from analytics import agents, finance, rollups, sales
from analytics import reports as finance_reports
from analytics.filters import Filters
from erp.sales import services as sale_services
from tests.analytics.conftest import local

OCT = Filters(start=dt.date(2026, 10, 1), end=dt.date(2026, 11, 1))
OCT_NOV = Filters(start=dt.date(2026, 10, 1), end=dt.date(2026, 12, 1))


@pytest.fixture
def built(shop):
    rollups.rebuild_all()
    return shop


def rows(frame, *columns):
    return [tuple(r) for r in frame[list(columns)].itertuples(index=False)]


@pytest.mark.django_db
def test_revenue_by_day_uses_local_days(built):
    frame = sales.revenue_by_day(OCT)
    assert rows(frame, "day", "sales", "revenue", "refunds_count", "refunds", "net") == [
        (dt.date(2026, 10, 1), 2, D("1750.50"), 0, D("0.00"), D("1750.50")),
        (dt.date(2026, 10, 2), 2, D("5500.00"), 0, D("0.00"), D("5500.00")),
        (dt.date(2026, 10, 3), 0, D("0.00"), 1, D("1250.50"), D("-1250.50")),
        (dt.date(2026, 10, 15), 1, D("1250.50"), 0, D("0.00"), D("1250.50")),
    ]


@pytest.mark.django_db
def test_revenue_by_month(built):
    frame = sales.revenue_by_month(OCT_NOV)
    assert rows(frame, "month", "sales", "revenue", "refunds", "net") == [
        (dt.date(2026, 10, 1), 5, D("8501.00"), D("1250.50"), D("7250.50")),
        (dt.date(2026, 11, 1), 1, D("500.00"), D("500.00"), D("0.00")),
    ]


@pytest.mark.django_db
def test_revenue_by_site_ranked(built):
    frame = sales.revenue_by_site(OCT)
    assert rows(frame, "site_name", "sales", "revenue", "refunds", "net") == [
        ("Alpha", 3, D("6750.50"), D("1250.50"), D("5500.00")),
        ("Beta", 2, D("1750.50"), D("0.00"), D("1750.50")),
    ]
    only_b = Filters(start=OCT.start, end=OCT.end, sites=(built["sites"]["B"].pk,))
    assert rows(sales.revenue_by_site(only_b), "site_name", "net") == [("Beta", D("1750.50"))]


@pytest.mark.django_db
def test_sales_by_package_and_payment_method(built):
    frame = sales.sales_by_package(OCT)
    assert rows(frame, "package_name", "payment_method", "sales", "revenue", "refunds") == [
        ("1 Day", "cash", 1, D("1250.50"), D("0.00")),
        ("1 Day", "mobile", 1, D("1250.50"), D("1250.50")),
        ("1 Hour", "cash", 2, D("1000.00"), D("0.00")),
        ("1 Week", "cash", 1, D("5000.00"), D("0.00")),
    ]
    week = Filters(start=OCT.start, end=OCT.end, packages=(built["packages"]["week"].pk,))
    assert rows(sales.revenue_by_day(week), "day", "revenue") == [
        (dt.date(2026, 10, 2), D("5000.00"))
    ]


@pytest.mark.django_db
def test_agent_commission_and_balance(built):
    frame = agents.agent_figures(OCT)
    assert rows(
        frame,
        "agent_name",
        "sales_count",
        "sales_amount",
        "refunds_amount",
        "commission",
        "collected",
        "remitted",
        "balance_owed",
    ) == [
        (
            "Agent One",
            3,
            D("6750.50"),
            D("1250.50"),
            D("337.50"),
            D("5500.00"),
            D("2000.00"),
            D("3162.50"),
        ),
        (
            "Agent Two",
            2,
            D("1750.50"),
            D("0.00"),
            D("131.29"),
            D("1750.50"),
            D("1000.00"),
            D("619.21"),
        ),
    ]
    # A sale and its refund in November leave agent two's balance where it was.
    november = Filters(
        start=dt.date(2026, 11, 1), end=dt.date(2026, 12, 1), agents=(built["agents"]["two"].pk,)
    )
    assert rows(agents.agent_figures(november), "sales_count", "commission", "balance_owed") == [
        (1, D("0.00"), D("619.21"))
    ]


@pytest.mark.django_db
def test_agent_figures_by_site_and_by_agent_and_package(built):
    one, two = built["agents"]["one"], built["agents"]["two"]
    # a site means its agents (agent two sells at B) even with nothing sold in the period
    quiet = Filters(
        start=dt.date(2026, 9, 1), end=dt.date(2026, 9, 2), sites=(built["sites"]["B"].pk,)
    )
    assert rows(agents.agent_figures(quiet), "agent", "sales_count", "balance_owed") == [
        (two.pk, 0, D("0.00"))
    ]
    # agents chosen, with a package: the revenue charts keep the package choice
    hours = Filters(
        start=OCT.start,
        end=OCT.end,
        agents=(one.pk, two.pk),
        packages=(built["packages"]["hour"].pk,),
    )
    assert rows(sales.revenue_by_site(hours), "site_name", "sales", "revenue") == [
        ("Alpha", 1, D("500.00")),
        ("Beta", 1, D("500.00")),
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "period",
    [
        OCT,
        OCT_NOV,
        Filters(start=dt.date(2026, 10, 2), end=dt.date(2026, 10, 16)),
        # part of September, all of October, the first days of November: both edges and a month
        Filters(start=dt.date(2026, 9, 20), end=dt.date(2026, 11, 4)),
        Filters(start=dt.date(2026, 10, 3), end=dt.date(2026, 11, 5)),
    ],
)
def test_agent_figures_equal_the_statement(built, period):
    """The dashboard's figures and the statement (API, exports) agree to the cent, whether the
    period is days, whole months, or months with days on either side."""
    frame = agents.agent_figures(period)
    for agent in built["agents"].values():
        mine = frame[frame["agent"] == agent.pk].iloc[0]
        theirs = sale_services.statement(
            agent,
            start=local(*period.start.timetuple()[:3]),
            end=local(*period.end.timetuple()[:3]),
        )
        for key in (
            "sales_count",
            "sales_amount",
            "refunds_amount",
            "commission",
            "collected",
            "remitted",
            "balance_owed",
        ):
            assert mine[key] == theirs[key], (agent, key)


@pytest.mark.django_db
def test_profit_by_site(built):
    frame = finance.profit_by_site(OCT)
    assert rows(frame, "name", "revenue", "refunds", "commission", "expenses", "profit") == [
        ("Alpha", D("6750.50"), D("1250.50"), D("337.50"), D("300.00"), D("4862.50")),
        ("Beta", D("1750.50"), D("0.00"), D("131.29"), D("0.00"), D("1619.21")),
        ("Head office", D("0.00"), D("0.00"), D("0.00"), D("1000.00"), D("-1000.00")),
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "period",
    [
        OCT,
        OCT_NOV,
        # days of September, October whole (monthly rollup), days of November
        Filters(start=dt.date(2026, 9, 20), end=dt.date(2026, 11, 4)),
        Filters(start=dt.date(2026, 10, 2), end=dt.date(2026, 10, 16)),
    ],
)
def test_profit_equals_the_raw_tables_and_the_finance_report(built, period):
    """The rollup-based profit is what the raw sales, refunds and expenses add up to, row by
    row, and the finance report (API, Excel export) gives those same rows."""
    from django.db.models import Sum

    from erp.finance.models import Expense
    from erp.sales.models import Refund, Sale

    lo, hi = local(*period.start.timetuple()[:3]), local(*period.end.timetuple()[:3])

    def by_site(queryset, site, value):
        totals = queryset.values(site).annotate(t=Sum(value)).order_by()
        return {r[site]: r["t"] for r in totals}

    sold = Sale.objects.filter(sold_at__gte=lo, sold_at__lt=hi)
    refunded = Refund.objects.filter(refunded_at__gte=lo, refunded_at__lt=hi)
    spent = by_site(
        Expense.objects.filter(
            status="approved", spent_on__gte=period.start, spent_on__lt=period.end
        ),
        "site",
        "amount",
    )
    revenue, commission = by_site(sold, "site", "amount"), by_site(sold, "site", "commission")
    refunds = by_site(refunded, "sale__site", "amount")
    reversed_ = by_site(refunded, "sale__site", "commission_reversed")
    zero = D("0.00")
    expected = []
    for site in sorted(
        {s for s in (*revenue, *refunds, *spent) if s}, key=lambda s: built_name(built, s)
    ):
        r, f = revenue.get(site, zero), refunds.get(site, zero)
        c = commission.get(site, zero) - reversed_.get(site, zero)
        e = spent.get(site, zero)
        expected.append((str(site), built_name(built, site), r, f, c, e, r - f - c - e))
    if spent.get(None):
        expected.append(("", "Head office", zero, zero, zero, spent[None], -spent[None]))
    frame = finance.profit_by_site(period)
    assert rows(frame, *finance.PROFIT_COLUMNS) == expected
    report = finance_reports.profit_by_site(start=period.start, end=period.end)
    assert [
        (
            str(r["site"]) if r["site"] else "",
            r["name"],
            r["revenue"],
            r["refunds"],
            r["commission"],
            r["expenses"],
            r["profit"],
        )
        for r in report
    ] == expected


def built_name(shop, site_id) -> str:
    return next(s.name for s in shop["sites"].values() if s.pk == site_id)


@pytest.mark.django_db
def test_expenses_by_category(built, users):
    frame = finance.expenses_by_category(OCT)
    assert rows(frame, "category", "expenses", "amount") == [
        ("rent", 1, D("1000.00")),
        ("power", 1, D("300.00")),
    ]
    # the expenses report's by-category section is these rows
    from analytics.reports import expenses_report
    from erp.accounts.roles import Role

    report = expenses_report(actor=users[Role.FINANCE], start=OCT.start, end=OCT.end)
    assert [tuple(r) for r in report.sections[0].rows] == [
        ("Rent", 1, D("1000.00")),
        ("Electricity and fuel", 1, D("300.00")),
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "period",
    [OCT, Filters(start=dt.date(2026, 9, 20), end=dt.date(2026, 11, 4)), OCT_NOV],
)
def test_each_rollup_gives_the_same_figures(built, period):
    """The charts pick the smallest rollup that has their keys (months of SiteMonthly with
    days of SiteDaily, PackageDaily, SalesDaily, AgentDaily): every path, the same money."""
    every_package = tuple(p.pk for p in built["packages"].values())
    every_agent = tuple(a.pk for a in built["agents"].values())
    every_site = tuple(s.pk for s in built["sites"].values())
    ways = [
        period,
        replace(period, packages=every_package),  # SalesDaily
        replace(period, agents=every_agent),  # AgentDaily
        replace(period, sites=every_site),  # SiteDaily
    ]
    columns = ("site_name", "sales", "revenue", "refunds_count", "refunds", "net")
    by_site = [rows(sales.revenue_by_site(f), *columns) for f in ways]
    assert by_site[0] and all(other == by_site[0] for other in by_site[1:])
    columns = ("day", "sales", "revenue", "refunds", "net")
    by_day = [rows(sales.revenue_by_day(f), *columns) for f in ways]
    assert by_day[0] and all(other == by_day[0] for other in by_day[1:])
    columns = ("month", "sales", "revenue", "refunds", "net")
    by_month = [rows(sales.revenue_by_month(f), *columns) for f in ways]
    assert by_month[0] and all(other == by_month[0] for other in by_month[1:])
    columns = ("package_name", "payment_method", "sales", "revenue", "refunds")
    packages = [rows(sales.sales_by_package(f), *columns) for f in (ways[0], ways[3])]
    assert packages[0] == packages[1]


@pytest.mark.django_db
def test_agent_figures_top_owing(built):
    """The balances chart asks for the agents owing most: the same rows as the full frame's
    head, with the period's figures read for them alone."""
    full = agents.agent_figures(OCT)
    top = agents.agent_figures(OCT, top=1)
    assert len(top) == 1
    assert top.iloc[0].to_dict() == full.iloc[0].to_dict()
    assert top.iloc[0]["agent_name"] == "Agent One"  # owes 3,162.50, agent two 619.21


@pytest.mark.django_db
def test_top_owing_breaks_ties_by_name(shop, make_user, users):
    """Three agents who each remitted 100 and sold nothing owe −100 alike: the fourth place
    goes by name (Amy), as in the full frame, whose order the top rows must equal."""
    from erp.accounts.roles import Role
    from erp.sales.models import Remittance

    for username, first in (("zed", "Zed"), ("amy", "Amy"), ("bob", "Bob")):
        agent = make_user(Role.AGENT, username=username, first_name=first, last_name="Tie")
        Remittance.objects.create(
            agent=agent,
            amount=D("100"),
            method="cash",
            received_by=users[Role.FINANCE],
            received_at=local(2026, 10, 7, 9),
        )
    rollups.rebuild_all()
    full = agents.agent_figures(OCT)
    assert rows(full, "agent_name", "balance_owed") == [
        ("Agent One", D("3162.50")),
        ("Agent Two", D("619.21")),
        ("Amy Tie", D("-100.00")),
        ("Bob Tie", D("-100.00")),
        ("Zed Tie", D("-100.00")),
    ]
    for n in (1, 3, 4):
        assert agents.agent_figures(OCT, top=n).to_dict() == full.head(n).to_dict()


@pytest.mark.django_db
def test_the_finance_exports_read_the_dashboards_functions_up_to_the_moment(built, admin_user):
    """A sale made after the rollups' last refresh is in the next profit and statements
    report at once: they bring the rollups up to date, then read the dashboards' functions."""
    from django.utils import timezone

    from analytics.reports import statements_report
    from tests.analytics.conftest import sell

    today = timezone.localdate()
    tomorrow = today + dt.timedelta(days=1)
    one, week = built["agents"]["one"], built["packages"]["week"]
    sell(one, week, "cash", None)  # now: after the rebuild's watermark
    profit = finance_reports.profit_by_site(start=today, end=tomorrow)
    assert [(r["name"], r["revenue"], r["commission"]) for r in profit] == [
        ("Alpha", D("5000.00"), D("300.00"))
    ]
    report = statements_report(actor=admin_user, start=today, end=tomorrow)
    by_agent = {row[-1]: row for row in report.sections[0].rows}
    # agent one: balance 3,162.50 before + 5,000 sold − 300 commission; one sale today
    assert by_agent["one"][1:4] == [D("7862.50"), 1, D("5000.00")]
    assert by_agent["two"][1:4] == [D("619.21"), 0, D("0.00")]
