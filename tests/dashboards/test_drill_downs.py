"""Drill-downs keep the filters of the click: Analytics → Sites → a site shows what each agent
sold at that site (not the agent's all-sites total); the home page's tiles open lists that
hold the tile's own rows."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal as D

import pytest
from django.db.models import Sum

from analytics import agents, rollups
from analytics.filters import Filters
from dashboards import access
from dashboards.pages.sites import drill
from erp.accounts.roles import Role
from erp.maintenance.choices import FaultStatus
from erp.maintenance.models import Fault
from erp.sales.models import Refund, Sale
from erp.vouchers import services as voucher_services
from tests.analytics.conftest import local, sell
from tests.conftest import put_on_router
from tests.workday import build_workday, noon_today

pytestmark = pytest.mark.django_db

OCT = Filters(start=dt.date(2026, 10, 1), end=dt.date(2026, 11, 1))


@pytest.fixture
def two_site_agent(shop):
    """Agent one (site A) also works at site B and sells a Week there on 20 October."""
    one = shop["agents"]["one"]
    site_b = shop["sites"]["B"]
    site_b.agents.add(one)
    week = shop["packages"]["week"]
    batch = voucher_services.request_batch(
        actor=None,
        package=week,
        router=site_b.routers.get(),
        quantity=1,
        preapproved=True,
        agent=one,
    )
    voucher_services.generate_batch(batch)
    put_on_router(batch)
    code = batch.vouchers.get().code
    sell(one, None, "cash", local(2026, 10, 20, 10), code=code)
    rollups.rebuild_all()
    return shop


def _collected_at(site, agent, start, end) -> D:
    """Sales at the site in [start, end) local days less their refunds in it: the raw rows."""
    lo, hi = local(start.year, start.month, start.day), local(end.year, end.month, end.day)
    sold = Sale.objects.filter(site=site, seller=agent, sold_at__gte=lo, sold_at__lt=hi)
    refunded = Refund.objects.filter(
        sale__site=site, sale__seller=agent, refunded_at__gte=lo, refunded_at__lt=hi
    )
    total = (sold.aggregate(s=Sum("amount"))["s"] or 0) - (
        refunded.aggregate(s=Sum("amount"))["s"] or 0
    )
    return D(total).quantize(D("0.01"))


def test_a_sites_agents_show_what_they_sold_at_that_site(two_site_agent, admin_user):
    """Given agent one sold 6,750.50 at A and 5,000 at B in October, when Beta is clicked in
    the ranking, then the drill-down shows agent one's 5,000 at Beta (not 11,750.50) and agent
    two's figures there — the same as agent_figures filtered to that site, and as the rows."""
    site_b = two_site_agent["sites"]["B"]
    one, two = two_site_agent["agents"]["one"], two_site_agent["agents"]["two"]
    token = access.current_user.set(admin_user)
    try:
        click = {"points": [{"customdata": str(site_b.pk), "y": "Beta"}]}
        fig, title = drill(click, "2026-10-01", "2026-10-31", [], [], [])
    finally:
        access.current_user.reset(token)
    assert title == "Agents of Beta"
    bars = {bar.name: dict(zip(bar.x, bar.y, strict=True)) for bar in fig.data}

    filtered = agents.agent_figures(Filters(OCT.start, OCT.end, sites=(site_b.pk,)))
    expected = {row.agent_name: float(row.collected) for row in filtered.itertuples()}
    assert bars["collected"] == expected
    assert expected == {
        "Agent One": float(_collected_at(site_b, one, OCT.start, OCT.end)),
        "Agent Two": float(_collected_at(site_b, two, OCT.start, OCT.end)),
    }
    assert expected["Agent One"] == 5000.0
    # the all-sites total it used to show
    everywhere = agents.agent_figures(OCT).set_index("agent_name")
    assert float(everywhere.loc["Agent One", "collected"]) == 5000.0 + 5500.0 - 1250.50 + 1250.50


def test_a_package_choice_narrows_the_agents_figures_too(two_site_agent):
    """A package chosen in the filter bar: only that package's sales count."""
    week = two_site_agent["packages"]["week"]
    one = two_site_agent["agents"]["one"]
    frame = agents.agent_figures(Filters(OCT.start, OCT.end, packages=(week.pk,)))
    got = {row.agent: (row.sales_count, row.sales_amount) for row in frame.itertuples()}
    assert got[one.pk] == (2, D("10000.00"))


# --- home page tiles → lists -----------------------------------------------------------------
@pytest.fixture
def day(users, make_user, make_site, make_router, make_client):
    return build_workday(
        users=users,
        make_user=make_user,
        make_site=make_site,
        make_router=make_router,
        make_client=make_client,
        now=noon_today(),
    )


@pytest.mark.parametrize("role", [Role.FINANCE, Role.AGENT])
def test_the_sales_today_tile_opens_todays_sales(client, day, users, role):
    user = users[role]
    client.force_login(user)
    html = client.get("/dashboard/").content.decode()
    block = html[html.index('data-tile="sales-today"') :]
    link = re.search(r'href="(/finance/sale/[^"]*)"', block).group(1).replace("&amp;", "&")
    listed = client.get(link)
    assert listed.status_code == 200
    shown = {sale.pk for sale in listed.context["object_list"]}
    today = noon_today().date()
    expected = Sale.objects.filter(sold_at__gte=local(today.year, today.month, today.day))
    if role == Role.AGENT:
        expected = expected.filter(seller=user)
    assert shown and shown == set(expected.values_list("pk", flat=True))


def test_the_past_sla_tile_opens_the_faults_past_sla(client, day, users):
    admin = users[Role.SUPER_ADMIN]
    client.force_login(admin)
    # The tile reads the SLA against the real clock, and the workday's noon may still be ahead
    # of it (before noon, local): one open fault late and one not, whatever the hour.
    now = dt.datetime.now(dt.UTC)
    open_faults = list(Fault.objects.exclude(status=FaultStatus.CLOSED).order_by("due_at"))
    assert len(open_faults) >= 2
    Fault.objects.filter(pk=open_faults[0].pk).update(due_at=now - dt.timedelta(hours=1))
    Fault.objects.filter(pk=open_faults[-1].pk).update(due_at=now + dt.timedelta(hours=3))
    html = client.get("/dashboard/").content.decode()
    block = html[html.index('data-tile="faults-past-sla"') :]
    link = re.search(r'href="(/faults/[^"]*)"', block).group(1).replace("&amp;", "&")
    listed = client.get(link)
    assert listed.status_code == 200
    shown = {p.data.get("fault_id") for p in listed.context["object_list"]}
    late = Fault.objects.exclude(status=FaultStatus.CLOSED).filter(
        due_at__lt=dt.datetime.now(dt.UTC)
    )
    assert shown and shown == {str(pk) for pk in late.values_list("pk", flat=True)}
    assert str(open_faults[-1].pk) not in shown
